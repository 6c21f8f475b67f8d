import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CrossEncoder } from '../src/rerank/crossEncoder.js';
import type { CohereRerankResponse } from '../src/server/routes/cohere.js';
import type { TeiRerankResponse } from '../src/server/routes/tei.js';
import { startServer, type TestServer } from './support/server.js';
import { testModel, type TestModel } from './support/testModels.js';

const QUERY = 'which program edits photos';
const DOCUMENTS = [
  'GIMP edits photos: layers, masks, filters and colour correction.',
  'A spreadsheet for household budgets.',
  'darktable develops raw photos from digital cameras.',
  'Recipes for bread and cakes.',
  'photo editor',
  'ed',
];

let model: TestModel;
let server: TestServer;
let engine: CrossEncoder;
/** logit1 - logit0 of each document by the independent float64 forward pass. */
let referenceGaps: number[];

before(async () => {
  model = await testModel('tiny-bert-2label-wide');
  engine = await CrossEncoder.load(model.dir, { variant: 'fp32', threads: 1 });
  referenceGaps = DOCUMENTS.map((document) => {
    const encoding = engine.encodePair(QUERY, document);
    const [notRelevant, relevant] = model.reference(encoding.inputIds, encoding.tokenTypeIds);
    return relevant - notRelevant;
  });
  server = await startServer({ model: 'tiny-bert-2label-wide' });
});
after(async () => {
  await server.app.close();
  await engine.close();
});

test('the test model has logit gaps above 40 (else the tests below could not fail)', () => {
  assert.ok(referenceGaps.some((gap) => gap > 40), `gaps ${referenceGaps.map((g) => g.toFixed(1)).join(', ')}`);
});

test('raw scores of a two-label model are the logit gap, finite however large (engine)', async () => {
  const raw = await engine.rawScores(engine.encodePairs(DOCUMENTS.map((d) => [QUERY, d])).encodings);
  raw.forEach((score, i) => {
    assert.ok(Number.isFinite(score), `document ${i}: ${score}`);
    assert.ok(Math.abs(score - referenceGaps[i]) <= 1e-4 * Math.max(1, Math.abs(referenceGaps[i])), `document ${i}: ${score} vs ${referenceGaps[i]}`);
  });
  // The score CrossEncoder gives a two-label model stays P(relevant).
  const probabilities = await engine.score(DOCUMENTS.map((d) => [QUERY, d]));
  probabilities.forEach((p, i) => assert.equal(p, 1 / (1 + Math.exp(-raw[i]))));
});

test('TEI raw_scores: the gap, finite (never null); Cohere: a relevance of 1 where the gap is above 40', async () => {
  const tei = await server.post<TeiRerankResponse>('/rerank', { query: QUERY, texts: DOCUMENTS, raw_scores: true });
  assert.equal(tei.status, 200);
  assert.equal(tei.body.length, DOCUMENTS.length);
  for (const { index, score } of tei.body) {
    assert.equal(typeof score, 'number', `texts[${index}] got ${JSON.stringify(score)}`);
    assert.ok(Math.abs(score - referenceGaps[index]) <= 1e-4 * Math.max(1, Math.abs(referenceGaps[index])), `texts[${index}]: ${score} vs ${referenceGaps[index]}`);
  }
  const cohere = await server.post<CohereRerankResponse>('/v1/rerank', { query: QUERY, documents: DOCUMENTS });
  assert.equal(cohere.status, 200);
  for (const { index, relevance_score } of cohere.body.results) {
    if (referenceGaps[index] > 40) assert.equal(relevance_score, 1, `documents[${index}]`);
    assert.ok(relevance_score >= 0 && relevance_score <= 1);
  }
});
