import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CancelledError } from '../src/errors.js';
import { CrossEncoder } from '../src/rerank/crossEncoder.js';
import { QueuedReranker } from '../src/rerank/queuedReranker.js';
import { testModel } from './support/testModels.js';

const QUERY = 'how do I convert images between formats';
// Longer than every document of the other request, so length-sorted passes run these first.
const LONG = Array.from({ length: 16 }, (_, i) => `${'ImageMagick converts, resizes and edits images from the command line. '.repeat(12)}Part ${i}.`);
const SHORT = ['vim', 'A tiny text editor.', 'Berlin', 'convert a.png b.jpg'];

let reranker: QueuedReranker;
let reference: CrossEncoder;

function request(documents: readonly string[]) {
  return { query: QUERY, documents, documentsField: 'texts', truncate: true };
}

/** Aborts `controller` once `passes` forward passes have started, checking between event-loop turns. */
function abortAfterPasses(controller: AbortController, passes: number): void {
  const check = (): void => {
    if (reranker.forwardPasses >= passes) controller.abort(new Error('the client went away'));
    else setImmediate(check);
  };
  check();
}

before(async () => {
  const dir = (await testModel('tiny-bert')).dir;
  // One pair per forward pass, on a worker thread as a server runs it: each pass is a turn of the event loop.
  const loading = CrossEncoder.load(dir, { variant: 'fp32', threads: 1, maxBatchPairs: 1, worker: true });
  reranker = new QueuedReranker(loading, { batchWindowMs: 30, maxBatchTokens: 1_000_000, maxQueue: 10 });
  await reranker.ready;
  reference = await CrossEncoder.load(dir, { variant: 'fp32', threads: 1 });
});
after(async () => {
  await reranker.close();
  await reference.close();
});

test('a request aborted while its batch runs: its pairs that had not reached a forward pass are never scored', async () => {
  const before = reranker.forwardPasses;
  const controller = new AbortController();
  const kept = reranker.score(request(LONG), new AbortController().signal);
  const dropped = reranker.score(request(SHORT), controller.signal);
  abortAfterPasses(controller, before + 1);
  await assert.rejects(dropped, (error: unknown) => error instanceof CancelledError && error.reason === 'aborted');
  const scored = await kept;
  // Both requests shared one batch; only the kept request's pairs went through the model.
  assert.equal(reranker.forwardPasses - before, LONG.length);
  const expected = await reference.score(LONG.map((d) => [QUERY, d]));
  scored.raw.forEach((score, i) => assert.ok(Math.abs(score - expected[i]) <= 1e-5, `document ${i}: ${score} vs ${expected[i]}`));
});

test('a request that times out while waiting in the queue is never scored', async () => {
  const before = reranker.forwardPasses;
  const first = reranker.score(request(LONG), new AbortController().signal);
  // Arrives after the first request's batch has started: it waits for the next one, and times out.
  while (reranker.forwardPasses === before) await new Promise((resolve) => setImmediate(resolve));
  const late = reranker.score(request(SHORT), AbortSignal.timeout(1));
  await assert.rejects(late, (error: unknown) => error instanceof CancelledError && error.reason === 'timeout');
  await first;
  assert.equal(reranker.forwardPasses - before, LONG.length);
  assert.equal(reranker.depth, 0);
});
