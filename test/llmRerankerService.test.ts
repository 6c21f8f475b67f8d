// An LLM reranker (a generated Qwen3-Reranker-style model) through the CLI, the HTTP service
// (Cohere's and TEI's shapes) and the library: the same scores everywhere, `instruction` honoured.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { ensureQwen3Model } from '../scripts/model-gen/qwen3Model.js';
import { loadReranker } from '../src/rerank/loadReranker.js';
import { LlmReranker } from '../src/rerank/llmReranker.js';
import { buildApp } from '../src/server/app.js';
import { assertOneLineError, runCli } from './support/runCli.js';

const QUERY = 'What is the capital of China?';
const DOCUMENTS = ['The capital of China is Beijing.', 'Gravity is a force that attracts two bodies.', 'Paris is the capital of France.', 'yes'];
const INSTRUCTION = 'Given a question, find the passage that answers it';

let dir: string;
let library: LlmReranker;
let app: FastifyInstance;
let url: string;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies of several shapes
async function post(path: string, body: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: await response.json() };
}

before(async () => {
  dir = await ensureQwen3Model('qwen3-reranker-tiny');
  const loaded = await loadReranker(dir, { threads: 1 });
  assert.ok(loaded instanceof LlmReranker, 'a causal-LM config loads as an LLM reranker');
  library = loaded;
  app = await buildApp({ model: dir, engine: { threads: 1 } });
  await app.listen({ host: '127.0.0.1', port: 0 });
  await app.crossrank.ready;
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  url = `http://127.0.0.1:${address.port}`;
});

after(async () => {
  await library.close();
  await app.close();
});

function assertClose(actual: number[], expected: number[], what: string): void {
  actual.forEach((value, i) => assert.ok(Math.abs(value - expected[i]) < 1e-5, `${what}[${i}]: ${value} vs ${expected[i]}`));
}

test('crossrank rerank --model <qwen3 dir> scores as the library, and --instruction is read', async () => {
  const docs = join(mkdtempSync(join(tmpdir(), 'crossrank-llm-')), 'docs.jsonl');
  writeFileSync(docs, DOCUMENTS.map((d) => JSON.stringify(d)).join('\n'));
  for (const instruction of [undefined, INSTRUCTION]) {
    const run = await runCli(['rerank', '--model', dir, '--query', QUERY, '--docs', docs, '--json', '--threads', '1', ...(instruction ? ['--instruction', instruction] : [])]);
    assert.equal(run.code, 0, run.stderr);
    const results = JSON.parse(run.stdout) as { index: number; score: number }[];
    const expected = await library.score(QUERY, DOCUMENTS, { instruction });
    assert.equal(results.length, DOCUMENTS.length);
    assertClose(results.map((r) => r.score), results.map((r) => expected[r.index]), `cli instruction=${instruction}`);
  }
  const plain = await library.score(QUERY, DOCUMENTS);
  const instructed = await library.score(QUERY, DOCUMENTS, { instruction: INSTRUCTION });
  assert.ok(plain.some((s, i) => Math.abs(s - instructed[i]) > 1e-3), 'the instruction changes the scores');
});

test('crossrank rerank: a bad prompt format and --instruction on a cross-encoder are one-line errors', async () => {
  const docs = join(mkdtempSync(join(tmpdir(), 'crossrank-llm-')), 'docs.txt');
  writeFileSync(docs, 'one\ntwo\n');
  assertOneLineError(await runCli(['rerank', '--model', dir, '--query', QUERY, '--docs', docs, '--prompt-format', 'nope']), /unknown prompt format "nope"/);
  assertOneLineError(await runCli(['rerank', '--query', QUERY, '--docs', docs, '--instruction', 'x']), /--instruction and --prompt-format are for LLM rerankers/);
});

test('serve: Cohere and TEI shapes give the library scores, with the instruction field', async () => {
  for (const instruction of [undefined, INSTRUCTION]) {
    const expected = await library.scoreDocuments(QUERY, DOCUMENTS, { instruction });
    const cohere = await post('/v1/rerank', { query: QUERY, documents: DOCUMENTS, instruction });
    assert.equal(cohere.status, 200, JSON.stringify(cohere.body));
    const results = cohere.body.results as { index: number; relevance_score: number }[];
    assertClose(results.map((r) => r.relevance_score), results.map((r) => expected.relevance[r.index]), 'cohere');
    assert.deepEqual(results.map((r) => r.index), [...expected.relevance.keys()].sort((a, b) => expected.relevance[b] - expected.relevance[a] || a - b));
    const tei = await post('/rerank', { query: QUERY, texts: DOCUMENTS, raw_scores: true, instruction });
    assert.equal(tei.status, 200);
    const raw = tei.body as { index: number; score: number }[];
    assertClose(raw.map((r) => r.score), raw.map((r) => expected.raw[r.index]), 'tei raw');
  }
});

test('serve: /info names the prompt format; a wrong instruction type is a 4xx naming the field; truncate false refuses a long text', async () => {
  const info = (await fetch(`${url}/info`).then((r) => r.json())) as { prompt_format: string; model_type: string };
  assert.equal(info.prompt_format, 'qwen3-reranker');
  assert.equal(info.model_type, 'qwen3');
  const wrong = await post('/v1/rerank', { query: QUERY, documents: DOCUMENTS, instruction: 5 });
  assert.ok(wrong.status >= 400 && wrong.status < 500, String(wrong.status));
  assert.match(JSON.stringify(wrong.body), /instruction/);
  const long = await post('/rerank', { query: QUERY, texts: ['short', 'word '.repeat(3000)], truncate: false });
  assert.equal(long.status, 413);
  assert.match(JSON.stringify(long.body), /texts\[1\]/);
});

test('a causal LM loaded as a cross-encoder is refused with a message that says how it is scored', async () => {
  const { CrossEncoder } = await import('../src/rerank/crossEncoder.js');
  await assert.rejects(CrossEncoder.load(dir), /model_type qwen3 is a causal LM: crossrank scores it as an LLM reranker/);
});
