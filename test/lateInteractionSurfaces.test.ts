import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CrossEncoder, LateInteractionModel, loadReranker } from '../src/index.js';
import type { CohereRerankResponse } from '../src/server/routes/cohere.js';
import type { TeiRerankResponse } from '../src/server/routes/tei.js';
import { runCli } from './support/runCli.js';
import { startServer, type TestServer } from './support/server.js';
import { testModel } from './support/testModels.js';

const QUERY = 'how do I convert images between formats';
const OTHER_QUERY = 'capital of germany';
const DOCUMENTS = [
  'ImageMagick converts, resizes and edits images from the command line.',
  'A tiny text editor.',
  'The GIMP is an image manipulation program; it reads and writes many formats, including PNG, JPEG, TIFF and WebP.',
  'Berlin has 3.7 million inhabitants.',
  'convert input.png output.jpg',
];

let server: TestServer;
let library: LateInteractionModel;
let dir: string;
const temp = mkdtempSync(join(tmpdir(), 'crossrank-late-'));

before(async () => {
  dir = (await testModel('tiny-colbert')).dir;
  server = await startServer({ model: 'tiny-colbert', config: { batchWindowMs: 50 } });
  library = await LateInteractionModel.load(dir, { threads: 1 });
});
after(async () => {
  await server.app.close();
  await library.close();
  rmSync(temp, { recursive: true, force: true });
});

function assertClose(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= 1e-5, `${what}: ${actual} vs ${expected}`);
}

test('loadReranker picks the kind from the model files', async () => {
  const late = await loadReranker(dir, { threads: 1 });
  const cross = await loadReranker((await testModel('tiny-bert')).dir, { threads: 1, variant: 'fp32' });
  const vespa = await loadReranker((await testModel('tiny-colbert-vespa')).dir, { threads: 1 });
  const pylate = await loadReranker((await testModel('tiny-colbert-pylate')).dir, { threads: 1 });
  try {
    assert.ok(late instanceof LateInteractionModel);
    assert.ok(vespa instanceof LateInteractionModel && vespa.info.output === 'contextual');
    assert.ok(pylate instanceof LateInteractionModel && pylate.info.settingsSource.endsWith('config_sentence_transformers.json'));
    assert.ok(cross instanceof CrossEncoder);
    assert.equal(late.info.maxLength, 24);
  } finally {
    await Promise.all([late.close(), cross.close(), vespa.close(), pylate.close()]);
  }
});

test('crossrank rerank --model <colbert dir> --json gives the library scores and order', async () => {
  const docs = join(temp, 'docs.jsonl');
  writeFileSync(docs, DOCUMENTS.map((d) => JSON.stringify(d)).join('\n'));
  const run = await runCli(['rerank', '--model', dir, '--query', QUERY, '--docs', docs, '--json', '--threads', '1']);
  assert.equal(run.code, 0, run.stderr);
  const printed = JSON.parse(run.stdout) as Array<{ index: number; score: number }>;
  const expected = await library.rerank(QUERY, DOCUMENTS);
  assert.deepEqual(printed.map((r) => r.index), expected.map((r) => r.index));
  printed.forEach((r, rank) => assertClose(r.score, expected[rank].score, `document ${r.index}`));
});

test('the service (Cohere and TEI shapes, through the queue) gives the library scores and order, with concurrent queries batched together', async () => {
  const expected = await library.score(DOCUMENTS.map((d) => [QUERY, d] as const));
  const expectedOther = await library.score(DOCUMENTS.map((d) => [OTHER_QUERY, d] as const));
  const order = (scores: number[]) => scores.map((_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);

  const [tei, teiOther, cohere] = await Promise.all([
    server.post<TeiRerankResponse>('/rerank', { query: QUERY, texts: DOCUMENTS, raw_scores: true }),
    server.post<TeiRerankResponse>('/rerank', { query: OTHER_QUERY, texts: DOCUMENTS, raw_scores: true }),
    server.post<CohereRerankResponse>('/v1/rerank', { query: QUERY, documents: DOCUMENTS }),
  ]);
  assert.equal(tei.status, 200);
  assert.deepEqual(tei.body.map((r) => r.index), order(expected));
  for (const r of tei.body) assertClose(r.score, expected[r.index], `TEI raw ${r.index}`);
  assert.deepEqual(teiOther.body.map((r) => r.index), order(expectedOther));
  for (const r of teiOther.body) assertClose(r.score, expectedOther[r.index], `TEI raw, other query, ${r.index}`);
  assert.equal(cohere.status, 200);
  assert.deepEqual(cohere.body.results.map((r) => r.index), order(expected));
  for (const r of cohere.body.results) assertClose(r.relevance_score, library.relevance(expected[r.index]), `Cohere ${r.index}`);

  const info = await server.get<Record<string, unknown>>('/info');
  assert.equal(info.body.kind, 'late-interaction');
  assert.equal(info.body.dimension, 16);
});

test('a bad request to a late-interaction service is a 4xx naming the field', async () => {
  const { status, body } = await server.post<{ message: string }>('/v1/rerank', { query: QUERY, documents: [DOCUMENTS[0], 7] });
  assert.ok(status >= 400 && status < 500, `status ${status}`);
  assert.match(body.message, /documents/);
});
