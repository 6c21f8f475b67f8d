import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCli } from './support/runCli.js';
import { testModel } from './support/testModels.js';

// A multi-megabyte single-line document through index, search --json and rerank: it comes back
// exactly (its JSON is written in slices, never between the halves of a surrogate pair).
// Peak memory for 50 MB is measured by bench/huge-document.ts.

const work = mkdtempSync(join(tmpdir(), 'crossrank-huge-cli-'));
after(() => rmSync(work, { recursive: true, force: true }));

test('a 3 MB document is indexed, found, reranked and printed back exactly', async () => {
  const rerankDir = (await testModel('tiny-bert')).dir;
  const embedDir = (await testModel('tiny-embed')).dir;
  // odd lengths so that emoji (surrogate pairs) straddle every 1 M-character slice boundary
  const huge = Array.from({ length: 120_000 }, (_, i) => (i % 3 === 0 ? 'reranking 🚀 "quoted"\\ ' : 'engines\u0000 é ')).join('');
  const corpus = join(work, 'corpus.jsonl');
  writeFileSync(corpus, [JSON.stringify({ _id: 'huge', text: huge }), JSON.stringify({ _id: 'small', text: 'a small document about cooking' })].join('\n'));
  const index = join(work, 'huge.sqlite');
  const indexed = await runCli(['index', corpus, '--index', index, '--embed-model', embedDir]);
  assert.equal(indexed.code, 0, indexed.stderr);
  const searched = await runCli(['search', 'reranking engines', '--index', index, '--rerank-model', rerankDir, '--json']);
  assert.equal(searched.code, 0, searched.stderr);
  const hits = JSON.parse(searched.stdout) as Array<{ id: string; text: string }>;
  assert.deepEqual(hits.map((h) => h.id).sort(), ['huge', 'small']);
  assertSameText(hits.find((h) => h.id === 'huge')?.text ?? '', huge);

  const documents = join(work, 'documents.jsonl');
  writeFileSync(documents, `${JSON.stringify(huge)}\n${JSON.stringify('a small document about cooking')}\n`);
  const reranked = await runCli(['rerank', '--model', rerankDir, '--query', 'reranking engines', '--docs', documents, '--json']);
  assert.equal(reranked.code, 0, reranked.stderr);
  assert.equal((JSON.parse(reranked.stdout) as Array<{ document: string }>).length, 2);
});

/** Equal texts, or an error that shows where they part (not the whole 3 MB). */
function assertSameText(actual: string, expected: string): void {
  let at = 0;
  while (at < Math.min(actual.length, expected.length) && actual[at] === expected[at]) at++;
  assert.ok(actual === expected, `lengths ${actual.length} and ${expected.length}; first difference at ${at}: ${JSON.stringify(actual.slice(at - 10, at + 10))} vs ${JSON.stringify(expected.slice(at - 10, at + 10))}`);
}
