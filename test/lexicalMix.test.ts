/**
 * Lexical evidence in `rerank` and the service: BM25 over the given documents, mixed into the
 * model's scores when the model's config recommends a first-stage weight (the starter model).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CrossEncoder, InputError } from '../src/index.js';
import { candidateBm25, MAX_ANALYZED_CHARACTERS } from '../src/rerank/candidateBm25.js';
import { interpolateScores } from '../src/rerank/interpolation.js';
import { mixLexicalEvidence } from '../src/rerank/lexicalMix.js';
import { rankByScore } from '../src/rerank/ranking.js';
import { buildApp } from '../src/server/app.js';
import { resolveServerConfig } from '../src/server/config.js';
import { analyze } from '../src/tokenize/lexicalTerms.js';
import { referenceBm25 } from './reference/bm25Reference.js';
import { assertOneLineError, runCli } from './support/runCli.js';
import { startServer } from './support/server.js';
import { testModel } from './support/testModels.js';

// A held-out keyword query (training/heldout/keywords, package lzma) with its document and three
// unrelated ones that share none of its terms. The starter model alone puts a Rust crate's
// packaging note first (and lzma second); only the lzma text holds "command" and "line".
const QUERY = 'command line';
const DOCUMENTS = [
  'The Lempel-Ziv-Markov chain Algorithm is a compression method based on the famous LZ77 algorithm, and was first introduced by 7-Zip for use in 7z archives. Its main characteristics are a very high compression ratio, with high RAM usage, and fast decompression, with low RAM usage. These properties make it well suited to embedded uses, such as for ROM (firmware) compression. This package provides the lzma command line utility, which has a familiar gzip-like interface.',
  'This package contains the source for the Rust pamsm crate, packaged by debcargo for use with cargo and dh-cargo.',
  'This module strips ANSI escape codes. To report a security vulnerability, please use the Tidelift security contact. Node.js is an event-based server-side JavaScript engine.',
  'Functions to train self-organising maps (SOMs). Also interrogation of the maps and prediction using trained maps are supported. The name of the package refers to Teuvo Kohonen, the inventor of the SOM.',
];
const KEYWORD_MATCH = 0;
const MODEL_FAVOURITE = 1;

test('candidateBm25 matches a plain float64 BM25 (Lucene idf) over the candidate set', () => {
  const documents = [...DOCUMENTS, 'text text text ncurses', 'Ncurses: the text interface library; ncurses development files', ''];
  const queries = [QUERY, 'text', 'the of and', 'ncurses ncurses', 'nothing matches here'];
  for (const query of queries) {
    const expected = referenceBm25(
      documents.map((d) => analyze(d, { stopwords: true })),
      analyze(query, { stopwords: true }),
      1.2,
      0.75,
      'lucene',
    );
    const actual = candidateBm25(query, documents);
    actual.forEach((score, i) => assert.ok(Math.abs(score - expected[i]) < 1e-12, `${query} / ${i}: ${score} vs ${expected[i]}`));
  }
  // a term in every document still counts (FTS5's idf would floor it to 1e-6 for all)
  const everywhere = candidateBm25('text', ['text a', 'text text b', 'text c d e f']);
  assert.ok(everywhere.every((score) => score > 0.05), JSON.stringify(everywhere));
  assert.deepEqual(candidateBm25('anything', []), []);
  // a huge document is read to MAX_ANALYZED_CHARACTERS: a term past that does not count
  const filler = 'word '.repeat(MAX_ANALYZED_CHARACTERS / 5);
  const [early, late] = candidateBm25('ncurses', [`ncurses ${filler}`, `${filler} ncurses`]);
  assert.ok(early > 0);
  assert.equal(late, 0);
});

test('mixLexicalEvidence orders as search interpolates, on the model scale; weight 0 and equal model scores', () => {
  const raw = [-2.5, 3.1, 0.4, -7.0, 1.2, 1.3, 0.0];
  const documents = [...DOCUMENTS, 'text text text ncurses', 'Ncurses: the text interface library', 'unrelated'];
  const bm25 = candidateBm25(QUERY, documents);
  for (const weight of [0.3, 1, 4]) {
    const mixed = mixLexicalEvidence(QUERY, documents, raw, weight);
    assert.deepEqual(rankByScore(mixed), rankByScore(interpolateScores(raw, bm25, weight)), `weight ${weight}`);
    // the raw scores' mean is kept: the mix stays at the model's level
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    assert.ok(Math.abs(mean(mixed) - mean(raw)) < 1e-9);
  }
  assert.deepEqual(mixLexicalEvidence(QUERY, documents, raw, 0), raw);
  // the model cannot tell them apart: BM25 orders them
  const flat = mixLexicalEvidence(QUERY, DOCUMENTS, [1, 1, 1, 1], 1);
  assert.equal(rankByScore(flat)[0], KEYWORD_MATCH);
  assert.deepEqual(mixLexicalEvidence(QUERY, [], [], 1), []);
});

test('CrossEncoder.rerank with the starter mixes BM25 by default; lexicalWeight 0 is the model alone', async () => {
  const encoder = await CrossEncoder.load(undefined, { threads: 1 });
  try {
    assert.equal(encoder.recommendedWeight, 0.5);
    const alone = await encoder.rerank(QUERY, DOCUMENTS, { lexicalWeight: 0 });
    assert.equal(alone[0].index, MODEL_FAVOURITE, `the model alone no longer prefers the unrelated text: ${JSON.stringify(alone)}`);
    const modelScores = await encoder.score(DOCUMENTS.map((d) => [QUERY, d]));
    assert.deepEqual(alone.map((r) => r.score), alone.map((r) => modelScores[r.index]));
    const mixed = await encoder.rerank(QUERY, DOCUMENTS);
    assert.equal(mixed[0].index, KEYWORD_MATCH, JSON.stringify(mixed));
    assert.deepEqual(mixed, await encoder.rerank(QUERY, DOCUMENTS, { lexicalWeight: 0.5 }));
    // scores are the mixed raw scores, best first
    for (let i = 1; i < mixed.length; i++) assert.ok(mixed[i - 1].score >= mixed[i].score);
    assert.throws(() => encoder.lexicalWeight(-1), (e: Error) => e instanceof InputError && /lexicalWeight must be a number >= 0/.test(e.message));
    await assert.rejects(encoder.rerank(QUERY, DOCUMENTS, { lexicalWeight: Number.NaN }), /lexicalWeight must be a number >= 0/);
  } finally {
    await encoder.close();
  }
  const sigmoidEncoder = await CrossEncoder.load(undefined, { threads: 1, activation: 'sigmoid' });
  try {
    const mixed = await sigmoidEncoder.rerank(QUERY, DOCUMENTS);
    assert.equal(mixed[0].index, KEYWORD_MATCH);
    for (const result of mixed) assert.ok(result.score >= 0 && result.score <= 1, `${result.score}`);
  } finally {
    await sigmoidEncoder.close();
  }
});

test('a model whose config recommends no weight ranks as before: the model alone', async () => {
  const encoder = await CrossEncoder.load((await testModel('tiny-bert')).dir, { threads: 1, variant: 'fp32' });
  try {
    assert.equal(encoder.recommendedWeight, undefined);
    assert.equal(encoder.lexicalWeight(), 0);
    const byDefault = await encoder.rerank(QUERY, DOCUMENTS);
    const scores = await encoder.score(DOCUMENTS.map((d) => [QUERY, d]));
    assert.deepEqual(byDefault.map((r) => r.index), rankByScore(scores));
    assert.deepEqual(byDefault.map((r) => r.score), rankByScore(scores).map((i) => scores[i]));
    // asked for, the mix applies to any model
    const asked = await encoder.rerank(QUERY, DOCUMENTS, { lexicalWeight: 1 });
    assert.notDeepEqual(asked.map((r) => r.score), byDefault.map((r) => r.score));
  } finally {
    await encoder.close();
  }
});

test('crossrank rerank mixes by default: the keyword match first; --lexical-weight 0 and CROSSRANK_LEXICAL_WEIGHT=0 give the model alone', async () => {
  const docs = DOCUMENTS.map((text) => JSON.stringify({ text })).join('\n');
  const run = async (args: string[], env: Record<string, string> = {}): Promise<Array<{ index: number; score: number }>> => {
    const result = await runCli(['rerank', '--query', QUERY, '--json', '--threads', '1', ...args], { stdin: docs, env: { ...process.env, ...env } });
    assert.equal(result.code, 0, result.stderr);
    return JSON.parse(result.stdout) as Array<{ index: number; score: number }>;
  };
  const byDefault = await run([]);
  assert.equal(byDefault[0].index, KEYWORD_MATCH, JSON.stringify(byDefault));
  const off = await run(['--lexical-weight', '0']);
  assert.equal(off[0].index, MODEL_FAVOURITE, JSON.stringify(off));
  assert.deepEqual(await run([], { CROSSRANK_LEXICAL_WEIGHT: '0' }), off);
  assertOneLineError(
    await runCli(['rerank', '--query', QUERY, '--lexical-weight', '-1'], { stdin: docs }),
    /--lexical-weight.*expected a number >= 0/,
  );
});

test('the service mixes by default in both shapes, keeps relevance_score and score in [0, 1], and --lexical-weight 0 turns it off', async () => {
  const start = async (lexicalWeight: number | null): Promise<{ url: string; close: () => Promise<void> }> => {
    const app = await buildApp({ engine: { threads: 1 }, config: resolveServerConfig({ lexicalWeight }) });
    await app.listen({ host: '127.0.0.1', port: 0 });
    await app.crossrank.ready;
    const address = app.server.address();
    assert.ok(address !== null && typeof address === 'object');
    return { url: `http://127.0.0.1:${address.port}`, close: () => app.close() };
  };
  const post = async <T>(url: string, body: unknown): Promise<T> => {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(response.status, 200, await response.clone().text());
    return (await response.json()) as T;
  };
  type Cohere = { results: Array<{ index: number; relevance_score: number }> };
  type Tei = Array<{ index: number; score: number }>;
  const mixing = await start(null);
  try {
    assert.equal(((await (await fetch(`${mixing.url}/info`)).json()) as { lexical_weight: number }).lexical_weight, 0.5);
    const cohere = await post<Cohere>(`${mixing.url}/v2/rerank`, { query: QUERY, documents: DOCUMENTS });
    assert.equal(cohere.results[0].index, KEYWORD_MATCH, JSON.stringify(cohere));
    for (const r of cohere.results) assert.ok(r.relevance_score >= 0 && r.relevance_score <= 1);
    const tei = await post<Tei>(`${mixing.url}/rerank`, { query: QUERY, texts: DOCUMENTS });
    assert.deepEqual(tei.map((r) => r.index), cohere.results.map((r) => r.index));
    for (const r of tei) assert.ok(r.score >= 0 && r.score <= 1);
    const raw = await post<Tei>(`${mixing.url}/rerank`, { query: QUERY, texts: DOCUMENTS, raw_scores: true });
    assert.deepEqual(raw.map((r) => r.index), tei.map((r) => r.index));
    // raw_scores are on the logit scale: their sigmoid is the score
    raw.forEach((r, i) => assert.ok(Math.abs(1 / (1 + Math.exp(-r.score)) - tei[i].score) < 1e-6));
    for (let i = 1; i < raw.length; i++) assert.ok(raw[i - 1].score >= raw[i].score);
    // the same mixed scores as CrossEncoder.rerank (the CLI): the service computes BM25 a slice at a time
    const encoder = await CrossEncoder.load(undefined, { threads: 1 });
    try {
      const library = await encoder.rerank(QUERY, DOCUMENTS);
      assert.deepEqual(raw.map((r) => r.index), library.map((r) => r.index));
      raw.forEach((r, i) => assert.ok(Math.abs(r.score - library[i].score) < 1e-5, `${r.score} vs ${library[i].score}`));
    } finally {
      await encoder.close();
    }
  } finally {
    await mixing.close();
  }
  const alone = await start(0);
  try {
    assert.equal(((await (await fetch(`${alone.url}/info`)).json()) as { lexical_weight: number }).lexical_weight, 0);
    const cohere = await post<Cohere>(`${alone.url}/v1/rerank`, { query: QUERY, documents: DOCUMENTS });
    assert.equal(cohere.results[0].index, MODEL_FAVOURITE, JSON.stringify(cohere));
    const tei = await post<Tei>(`${alone.url}/rerank`, { query: QUERY, texts: DOCUMENTS });
    assert.equal(tei[0].index, MODEL_FAVOURITE);
  } finally {
    await alone.close();
  }
});

test('a server with a model that recommends no weight answers with the model alone', async () => {
  const server = await startServer();
  try {
    const encoder = await CrossEncoder.load((await testModel('tiny-bert')).dir, { threads: 1, variant: 'fp32' });
    try {
      const expected = await encoder.rerank(QUERY, DOCUMENTS, { lexicalWeight: 0 });
      const tei = await server.post<Array<{ index: number }>>('/rerank', { query: QUERY, texts: DOCUMENTS });
      assert.deepEqual(tei.body.map((r) => r.index), expected.map((r) => r.index));
    } finally {
      await encoder.close();
    }
  } finally {
    await server.app.close();
  }
});

test('the lexical weight setting refuses what is not a number >= 0, naming it', async () => {
  assert.throws(() => resolveServerConfig({ lexicalWeight: -1 }), /lexicalWeight must be a number >= 0/);
  const run = await runCli(['serve', '--port', '0'], { env: { ...process.env, CROSSRANK_LEXICAL_WEIGHT: 'lots' } });
  assertOneLineError(run, /--lexical-weight.*expected a number >= 0, got "lots"/);
});
