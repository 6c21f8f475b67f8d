import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Index, type IndexDocument } from '../src/retrieve/searchIndex.js';
import { dropSchema, postgresForTests, withSchema } from './support/postgres.js';
import { assertOneLineError, runCli } from './support/runCli.js';

// `crossrank index` is all or nothing per run (issue #11, finding 7): a bad line anywhere commits
// nothing, says which line and why, and leaves no new file behind; a byte order mark is accepted.

const work = mkdtempSync(join(tmpdir(), 'crossrank-index-atomic-'));
after(() => rmSync(work, { recursive: true, force: true }));

function corpus(name: string, lines: string[]): string {
  const path = join(work, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

const documents = (from: number, count: number): string[] =>
  Array.from({ length: count }, (_, i) => JSON.stringify({ _id: `d${from + i}`, title: 'a title', text: `document number ${from + i} about reranking` }));

test('a bad line at 3,001 commits nothing, names the line and why, and creates no file', async () => {
  const path = corpus('bad-late.jsonl', [...documents(0, 3000), '{"_id": "d3000", "text": ', ...documents(3001, 10)]);
  const index = join(work, 'late.sqlite');
  const run = await runCli(['index', path, '--index', index, '--docs-per-commit', '100']);
  assertOneLineError(run, /bad-late\.jsonl:3001: not valid JSON/);
  assert.equal(existsSync(index), false, 'no index file');
  assert.deepEqual(readdirSync(work).filter((name) => name.startsWith('late.sqlite')), []);
});

test('a failure at line 1 creates no index file; a missing "text" is named', async () => {
  const index = join(work, 'first.sqlite');
  assertOneLineError(await runCli(['index', corpus('bad-first.jsonl', ['not json', ...documents(0, 3)]), '--index', index]), /bad-first\.jsonl:1: not valid JSON/);
  assertOneLineError(await runCli(['index', corpus('no-text.jsonl', [...documents(0, 3), '{"_id": "x"}']), '--index', index]), /no-text\.jsonl:4: "text" must be a string/);
  assert.equal(existsSync(index), false);
});

/** The document count and the BM25 candidates of a query that finds old and new documents alike. */
async function indexState(location: string): Promise<{ count: number; found: string[] }> {
  const opened = await Index.open(location, { create: false });
  try {
    return { count: await opened.count(), found: (await opened.firstStage('document number reranking', 'bm25', 1000)).map((hit) => hit.id).sort() };
  } finally {
    await opened.close();
  }
}

test('a failed run adds nothing to an existing index, and says so', async () => {
  const index = join(work, 'existing.sqlite');
  const first = await runCli(['index', corpus('good.jsonl', documents(0, 50)), '--index', index, '--docs-per-commit', '10']);
  assert.equal(first.code, 0, first.stderr);
  const before = await indexState(index);
  assert.equal(before.count, 50);
  assertOneLineError(
    await runCli(['index', corpus('more-bad.jsonl', [...documents(50, 500), '[1]']), '--index', index, '--docs-per-commit', '10']),
    /more-bad\.jsonl:501: expected a JSON object.*\(nothing was added to the index\)$/,
  );
  assert.deepEqual(await indexState(index), before);
});

const records = (from: number, count: number): IndexDocument[] =>
  documents(from, count).map((line) => {
    const { _id, ...rest } = JSON.parse(line) as { _id: string; title: string; text: string };
    return { id: _id, ...rest };
  });

/** `count` documents from `from`, then the failure of a corpus reader that breaks at the next line. */
async function* failingAfter(from: number, count: number): AsyncGenerator<IndexDocument> {
  yield* records(from, count);
  throw new Error(`corpus.jsonl:${count + 1}: not valid JSON`);
}

/** Adding to an existing index, a failure after many batches were written leaves it exactly as it was. */
async function checkRunRollsBack(location: string): Promise<void> {
  const first = await Index.build(location, records(0, 40), { batchSize: 7 });
  await first.close();
  const before = await indexState(location);
  assert.equal(before.count, 40);
  const index = await Index.open(location, { create: false });
  let written = 0;
  try {
    await assert.rejects(index.addAll(failingAfter(40, 95), { batchSize: 10, onProgress: (done) => (written = done) }), /corpus\.jsonl:96: not valid JSON/);
  } finally {
    await index.close();
  }
  assert.equal(written, 90, 'nine batches were written before the failure');
  assert.deepEqual(await indexState(location), before);
  // The same index takes a later run whole.
  const again = await Index.open(location, { create: false });
  try {
    assert.equal(await again.addAll(records(40, 95), { batchSize: 10 }), 95);
  } finally {
    await again.close();
  }
  assert.equal((await indexState(location)).count, 135);
}

test('SQLite: a run that fails after nine written batches leaves the index as it was', async () => {
  await checkRunRollsBack(join(work, 'rollback.sqlite'));
});

test('pgvector: a run that fails after nine written batches leaves the index as it was', async (t) => {
  const postgres = await postgresForTests();
  if ('skip' in postgres) return t.skip(postgres.skip);
  const schema = `rollback_${process.pid}`;
  try {
    await checkRunRollsBack(withSchema(postgres.url, schema));
  } finally {
    await dropSchema(postgres.url, schema);
  }
});

test('pgvector: a line PostgreSQL cannot store fails the run in its batch; nothing is added, the document is named', async (t) => {
  const postgres = await postgresForTests();
  if ('skip' in postgres) return t.skip(postgres.skip);
  const schema = `nul_${process.pid}`;
  const url = withSchema(postgres.url, schema);
  try {
    const first = await runCli(['index', corpus('pg-good.jsonl', documents(0, 50)), '--index', url, '--docs-per-commit', '10']);
    assert.equal(first.code, 0, first.stderr);
    const before = await indexState(url);
    // Valid JSON, so the reading pass takes it; the store refuses it at line 131, after 12 batches.
    const nul = JSON.stringify({ _id: 'has-nul', text: 'a document number with a \u0000 in it' });
    const run = await runCli(['index', corpus('pg-nul.jsonl', [...documents(50, 130), nul, ...documents(181, 20)]), '--index', url, '--docs-per-commit', '10']);
    assertOneLineError(run, /document has-nul: its text holds the character U\+0000, which PostgreSQL text cannot store \(nothing was added to the index\)$/);
    assert.deepEqual(await indexState(url), before);
  } finally {
    await dropSchema(postgres.url, schema);
  }
});

test('a failure after indexing began removes the index file the run created', async () => {
  // The embedding model does not exist: the run fails once the index file is there.
  const index = join(work, 'no-model.sqlite');
  const run = await runCli(['index', corpus('fine.jsonl', documents(0, 5)), '--index', index, '--embed-model', join(work, 'missing-model')]);
  assert.equal(run.code, 1, run.stderr);
  assert.equal(existsSync(index), false, run.stderr);
});

test('a UTF-8 byte order mark on the first line is accepted', async () => {
  const path = join(work, 'bom.jsonl');
  writeFileSync(path, `\uFEFF${documents(0, 3).join('\n')}\n`);
  const index = join(work, 'bom.sqlite');
  const run = await runCli(['index', path, '--index', index]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /indexed 3 documents/);
  const opened = await Index.open(index, { create: false });
  try {
    assert.deepEqual([...(await opened.get(['d0'])).keys()], ['d0']);
  } finally {
    await opened.close();
  }
});

test('pgvector: a bad line commits nothing', async (t) => {
  const postgres = await postgresForTests();
  if ('skip' in postgres) return t.skip(postgres.skip);
  const url = new URL(postgres.url);
  url.searchParams.set('schema', `atomic_${process.pid}`);
  const run = await runCli(['index', corpus('pg-bad.jsonl', [...documents(0, 300), '{']), '--index', url.toString(), '--docs-per-commit', '50']);
  assertOneLineError(run, /pg-bad\.jsonl:301: not valid JSON/);
  await assert.rejects(Index.open(url.toString(), { create: false }), /holds no crossrank index/);
});
