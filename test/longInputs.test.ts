// 8,192-token models (bge-reranker-v2-m3, gte-reranker-modernbert-base): long pairs are scored
// whole at positions past 512, batches stay within the padded-token cap, sliding windows work.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { CrossEncoder } from '../src/index.js';
import { planBatches } from '../src/inference/batching.js';
import { testModel } from './support/testModels.js';

const opened: CrossEncoder[] = [];
after(async () => {
  await Promise.all(opened.map((e) => e.close()));
});

const WORDS = 'the search model reads each document and the query together then gives one score for how well they match'.split(' ');
/** About `count` words of English-like text (each a token or two with the test tokenizers). */
function longText(count: number, seed: number): string {
  return Array.from({ length: count }, (_, i) => WORDS[(i * 7 + seed * 3 + (i % 5)) % WORDS.length]).join(' ');
}

function assertClose(actual: number, expected: number, tolerance: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} vs ${expected} (tolerance ${tolerance})`);
}

test('ModernBERT inputs, 8,192 positions: a pair of over 1,000 tokens is scored whole, equal to the reference, beside short ones', async () => {
  const model = await testModel('tiny-modernbert');
  const encoder = await CrossEncoder.load(model.dir, { threads: 1, maxBatchTokens: 4096 });
  opened.push(encoder);
  assert.equal(encoder.info.maxLength, 8192);
  const pairs = [['what gives a score', longText(1100, 1)], ['what gives a score', 'a short one'], ['what gives a score', longText(40, 2)]] as const;
  const long = encoder.encodePair(...pairs[0]);
  assert.ok(long.inputIds.length > 1000 && long.inputIds.length < 8192, `long pair has ${long.inputIds.length} tokens`);
  const scores = await encoder.score(pairs);
  assertClose(scores[0], model.reference(long.inputIds, long.tokenTypeIds)[0], 1e-4, 'long pair');
  const alone = await encoder.score([pairs[1]]);
  assertClose(scores[1], alone[0], 1e-5, 'a short pair is unchanged by the long one');
});

test('batching by tokens: with 8,192-token pairs no forward pass pads past the cap (a longer pair goes alone)', () => {
  const lengths = [8192, ...Array.from({ length: 40 }, (_, i) => 100 + 37 * i), 8000, 9000];
  const limits = { maxBatchPairs: 16, maxBatchTokens: 8192 };
  const batches = planBatches(lengths, limits);
  assert.deepEqual(batches.flat().sort((a, b) => a - b), lengths.map((_, i) => i));
  for (const batch of batches) {
    const padded = batch.length * Math.max(...batch.map((i) => lengths[i]));
    assert.ok(padded <= limits.maxBatchTokens || batch.length === 1, `batch ${batch} pads to ${padded} tokens`);
    assert.ok(batch.length <= limits.maxBatchPairs);
  }
});

test('sliding windows on a long-context model: the best window of a 2,000-token document, as the reference scores it', async () => {
  const model = await testModel('tiny-modernbert');
  const maxLength = 1024;
  const chunking = { window: 500, stride: 250, maxChunks: 8 };
  const chunked = await CrossEncoder.load(model.dir, { threads: 1, maxLength, chunking });
  opened.push(chunked);
  const queryText = 'how well they match';
  const documentText = longText(1900, 3);
  const [score] = await chunked.score([[queryText, documentText]]);
  const query = chunked.encoder.encodeText(queryText);
  const document = chunked.encoder.encodeText(documentText);
  assert.ok(document.ids.length > 1500, `document has ${document.ids.length} tokens`);
  const windowScores: number[] = [];
  for (let start = 0; windowScores.length < chunking.maxChunks; start += chunking.stride) {
    const window = { ids: document.ids.slice(start, start + chunking.window), tokens: document.tokens.slice(start, start + chunking.window) };
    const e = chunked.encoder.assemble(query, window, { maxLength });
    windowScores.push(model.reference(e.inputIds, e.tokenTypeIds)[0]);
    if (start + chunking.window >= document.ids.length) break;
  }
  assert.ok(windowScores.length > 2);
  assertClose(score, Math.max(...windowScores), 1e-4, 'best window');
});
