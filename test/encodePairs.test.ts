import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { CrossEncoder, ModelFormatError } from '../src/index.js';
import { pairScores } from '../src/rerank/encodedPairs.js';
import { testModel } from './support/testModels.js';

const QUERY = 'how do I convert images between formats';
const SHORT = 'ImageMagick converts images.';
const LONG = 'The GIMP is an image manipulation program; it reads and writes many formats, including PNG, JPEG, TIFF and WebP, and can be scripted in Python or Scheme for batch conversion of whole directories.';

const opened: CrossEncoder[] = [];
async function load(options: Parameters<typeof CrossEncoder.load>[1] = {}): Promise<CrossEncoder> {
  const encoder = await CrossEncoder.load((await testModel('tiny-bert')).dir, { threads: 1, variant: 'fp32', ...options });
  opened.push(encoder);
  return encoder;
}
after(async () => {
  await Promise.all(opened.map((e) => e.close()));
});

function assertAllClose(actual: number[], expected: number[], tolerance: number): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((a, i) => assert.ok(Math.abs(a - expected[i]) <= tolerance, `${i}: ${a} vs ${expected[i]}`));
}

test('encodings of separate calls scored together get the scores each call gets alone', async () => {
  const encoder = await load();
  const first = encoder.encodePairs([[QUERY, SHORT], [QUERY, LONG]]);
  const second = encoder.encodePairs([['another query about text editors', LONG], ['another query about text editors', 'vim']]);
  const together = await encoder.scoreEncoded([...first.encodings, ...second.encodings]);
  assertAllClose(pairScores(first, together.slice(0, 2)), await encoder.score([[QUERY, SHORT], [QUERY, LONG]]), 1e-5);
  assertAllClose(pairScores(second, together.slice(2)), await encoder.score([['another query about text editors', LONG], ['another query about text editors', 'vim']]), 1e-5);
  assert.ok(Math.abs(together[0] - together[2]) > 1e-3, 'different pairs scored alike: the check proves nothing');
});

test('truncated tells which pairs the model does not see whole; maxDocumentTokens caps the document', async () => {
  const encoder = await load({ maxLength: 24 });
  const plain = encoder.encodePairs([[QUERY, SHORT], [QUERY, LONG]]);
  assert.deepEqual(plain.truncated, [false, true]);
  assert.deepEqual(plain.owners, [0, 1]);

  const capped = encoder.encodePairs([[QUERY, SHORT], [QUERY, LONG]], { maxDocumentTokens: 3 });
  assert.deepEqual(capped.truncated, [true, true]);
  const documentTokens = (i: number) => capped.encodings[i].tokens.slice(capped.encodings[i].tokenTypeIds.indexOf(1), -1);
  assert.deepEqual(documentTokens(0), encoder.encoder.encodeText(SHORT).tokens.slice(0, 3));
  assert.equal(documentTokens(1).length, 3);

  const fromLeft = encoder.encodePairs([[QUERY, LONG]], { maxDocumentTokens: 3, truncationDirection: 'left' });
  assert.deepEqual(fromLeft.encodings[0].tokens.slice(-4), [...encoder.encoder.encodeText(LONG).tokens.slice(-3), '[SEP]']);
  assert.throws(() => encoder.encodePairs([[QUERY, SHORT]], { maxDocumentTokens: 0 }), /maxDocumentTokens must be a positive integer/);
});

test('with chunking, a document is truncated only where its windows stop short of its end', async () => {
  const all = await load({ maxLength: 24, chunking: { window: 10, stride: 6, maxChunks: 16 } });
  const few = await load({ maxLength: 24, chunking: { window: 10, stride: 6, maxChunks: 2 } });
  const whole = all.encodePairs([[QUERY, SHORT], [QUERY, LONG]]);
  assert.deepEqual(whole.truncated, [false, false]);
  assert.ok(whole.owners.filter((o) => o === 1).length > 2, 'the long document should get several windows');
  assert.deepEqual(few.encodePairs([[QUERY, LONG]]).truncated, [true]);
  // A chunked pair scores as its best window.
  const scores = await all.scoreEncoded(whole.encodings);
  assert.equal(pairScores(whole, scores)[1], Math.max(...scores.filter((_, i) => whole.owners[i] === 1)));
});

test('worker: true scores on a worker thread: same scores, and the event loop keeps running during a long batch', async () => {
  const onMain = await load({ maxBatchPairs: 64, maxBatchTokens: 1 << 20 });
  const onWorker = await load({ maxBatchPairs: 64, maxBatchTokens: 1 << 20, worker: true });
  // 48 pairs of 512 tokens in one forward pass: long enough (hundreds of ms) to see a stall.
  const pairs = Array.from({ length: 48 }, (_, i) => [QUERY, `${i} ${LONG} ${'and more words about images '.repeat(100)}`] as const);
  assertAllClose(await onWorker.score(pairs.slice(0, 4)), await onMain.score(pairs.slice(0, 4)), 1e-6);

  const lag = async (run: () => Promise<unknown>): Promise<{ ms: number; maxLagMs: number }> => {
    let maxLagMs = 0;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      maxLagMs = Math.max(maxLagMs, now - last - 5);
      last = now;
    }, 5);
    const started = performance.now();
    await run();
    clearInterval(timer);
    const ended = performance.now();
    // A stall that lasts to the end is seen here: the promise resolves before the timer's next turn.
    return { ms: ended - started, maxLagMs: Math.max(maxLagMs, ended - last - 5) };
  };
  const encoded = onMain.encodePairs(pairs);
  const main = await lag(() => onMain.scoreEncoded(encoded.encodings));
  const worker = await lag(() => onWorker.scoreEncoded(encoded.encodings));
  // One forward pass of 48 long pairs: on the main thread it stalls the loop for about its length.
  assert.ok(main.maxLagMs > main.ms / 2, `main thread: lag ${main.maxLagMs} ms over ${main.ms} ms; the batch was too short to tell`);
  assert.ok(worker.maxLagMs < worker.ms / 4, `worker: lag ${worker.maxLagMs} ms over ${worker.ms} ms`);
});

test('a model that fails to load on the worker gets the same error as on the main thread', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'crossrank-worker-'));
  cpSync((await testModel('tiny-bert')).dir, dir, { recursive: true });
  writeFileSync(join(dir, 'onnx', 'model.onnx'), 'not an onnx file');
  await assert.rejects(CrossEncoder.load(dir, { variant: 'fp32', worker: true }), (error: Error) => {
    assert.ok(error instanceof ModelFormatError, `${error.name}: ${error.message}`);
    assert.match(error.message, /model\.onnx could not be loaded by ONNX Runtime/);
    return true;
  });
});
