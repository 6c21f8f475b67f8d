import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CancelledError, OverloadedError } from '../src/errors.js';
import { WorkQueue, type BatchReport } from '../src/inference/workQueue.js';
import type { PairEncoding } from '../src/tokenize/pairEncoder.js';

/** A queue of encodings whose cost is their token count, as the cross-encoder's. */
function queueOf(
  score: (e: readonly PairEncoding[], live: (i: number) => boolean) => Promise<number[]>,
  options: { windowMs: number; maxBatchCost: number; maxQueue: number },
  onBatch: (report: BatchReport) => void = () => {},
): WorkQueue<PairEncoding, number> {
  return new WorkQueue(score, (e) => e.inputIds.length, options, onBatch);
}

/** Encodings of the given lengths; the first id tells them apart. */
function encodings(tag: number, ...lengths: number[]): PairEncoding[] {
  return lengths.map((length, i) => {
    const inputIds = Array.from({ length }, (_, j) => (j === 0 ? tag * 100 + i : 1));
    return { inputIds, tokenTypeIds: inputIds.map(() => 0), attentionMask: inputIds.map(() => 1), tokens: inputIds.map(String) };
  });
}

/** A scorer that records each call and scores an encoding by its first id, after `delayMs`. */
function recordingScorer(delayMs = 0): { calls: number[][]; score: (e: readonly PairEncoding[], live: (i: number) => boolean) => Promise<number[]> } {
  const calls: number[][] = [];
  return {
    calls,
    score: async (batch, live) => {
      calls.push(batch.filter((_, i) => live(i)).map((e) => e.inputIds[0]));
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      return batch.map((e) => e.inputIds[0]);
    },
  };
}

test('requests arriving within the window share one call; each gets its own scores in order', async () => {
  const scorer = recordingScorer();
  const reports: BatchReport[] = [];
  const batcher = queueOf(scorer.score, { windowMs: 30, maxBatchCost: 1000, maxQueue: 10 }, (r) => reports.push(r));
  const results = await Promise.all([batcher.submit(encodings(1, 5, 7)), batcher.submit(encodings(2, 3)), batcher.submit(encodings(3, 4, 4, 4))]);
  assert.deepEqual(results, [[100, 101], [200], [300, 301, 302]]);
  assert.deepEqual(scorer.calls, [[100, 101, 200, 300, 301, 302]]);
  assert.equal(reports.length, 1);
  assert.deepEqual({ requests: reports[0].requests, pairs: reports[0].pairs, tokens: reports[0].tokens }, { requests: 3, pairs: 6, tokens: 27 });
});

test('a batch stops at maxBatchTokens (the first request always goes); requests that wait meanwhile form the next', async () => {
  const scorer = recordingScorer(20);
  const batcher = queueOf(scorer.score, { windowMs: 10, maxBatchCost: 10, maxQueue: 10 }, () => {});
  const all = Promise.all([
    batcher.submit(encodings(1, 12)), // over the cap alone: still scored, alone
    batcher.submit(encodings(2, 4)),
    batcher.submit(encodings(3, 6)),
    batcher.submit(encodings(4, 1)),
  ]);
  assert.deepEqual(await all, [[100], [200], [300], [400]]);
  assert.deepEqual(scorer.calls, [[100], [200, 300], [400]]);
});

test('window 0: each request is scored alone, in arrival order', async () => {
  const scorer = recordingScorer(5);
  const batcher = queueOf(scorer.score, { windowMs: 0, maxBatchCost: 1000, maxQueue: 10 }, () => {});
  await Promise.all([batcher.submit(encodings(1, 3)), batcher.submit(encodings(2, 3)), batcher.submit(encodings(3, 3))]);
  assert.deepEqual(scorer.calls, [[100], [200], [300]]);
});

test('a full queue refuses with OverloadedError; an aborted request leaves the queue unscored', async () => {
  const scorer = recordingScorer();
  const batcher = queueOf(scorer.score, { windowMs: 50, maxBatchCost: 1000, maxQueue: 2 }, () => {});
  const first = batcher.submit(encodings(1, 3));
  const abort = new AbortController();
  const second = batcher.submit(encodings(2, 3), abort.signal);
  await assert.rejects(batcher.submit(encodings(3, 3)), (error: unknown) => error instanceof OverloadedError && error.retryAfterSeconds >= 1);
  assert.equal(batcher.depth, 2);
  abort.abort(new Error('gone'));
  await assert.rejects(second, (error: unknown) => error instanceof CancelledError && error.reason === 'aborted');
  assert.equal(batcher.depth, 1);
  assert.deepEqual(await first, [100]);
  assert.deepEqual(scorer.calls, [[100]]);
  await batcher.idle();
});

test('a failed call rejects every request of its batch, and the batcher goes on', async () => {
  let fail = true;
  const batcher = queueOf(
    async (batch) => {
      if (fail) throw new Error('model failed');
      return batch.map(() => 1);
    },
    { windowMs: 5, maxBatchCost: 1000, maxQueue: 10 },
    () => {},
  );
  const results = await Promise.allSettled([batcher.submit(encodings(1, 2)), batcher.submit(encodings(2, 2))]);
  assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected']);
  fail = false;
  assert.deepEqual(await batcher.submit(encodings(3, 2)), [1]);
});

test('a request aborted while its batch runs: its items not yet run are skipped, the others are scored', async () => {
  const calls: number[][] = [];
  const reports: BatchReport[] = [];
  const abort = new AbortController();
  // Runs item by item, as forward passes would, asking `live` before each.
  const queue = queueOf(async (batch, live) => {
    const results: number[] = [];
    for (let i = 0; i < batch.length; i++) {
      if (!live(i)) continue;
      calls.push([batch[i].inputIds[0]]);
      if (calls.length === 1) abort.abort(new Error('gone'));
      await new Promise((resolve) => setTimeout(resolve, 1));
      results[i] = batch[i].inputIds[0];
    }
    return results;
  }, { windowMs: 20, maxBatchCost: 1000, maxQueue: 10 }, (report) => reports.push(report));
  const kept = queue.submit(encodings(1, 3, 3));
  const dropped = queue.submit(encodings(2, 3, 3, 3), abort.signal);
  await assert.rejects(dropped, (error: unknown) => error instanceof CancelledError);
  assert.deepEqual(await kept, [100, 101]);
  assert.deepEqual(calls, [[100], [101]]);
  await queue.idle();
  // Metrics count what ran: the kept request's 2 items, not the 3 skipped.
  assert.deepEqual({ requests: reports[0].requests, pairs: reports[0].pairs }, { requests: 2, pairs: 2 });
});

test('a timed-out request is refused with a CancelledError whose reason is timeout', async () => {
  const queue = queueOf(recordingScorer(50).score, { windowMs: 0, maxBatchCost: 1000, maxQueue: 10 });
  const first = queue.submit(encodings(1, 3));
  const late = queue.submit(encodings(2, 3), AbortSignal.timeout(5));
  await assert.rejects(late, (error: unknown) => error instanceof CancelledError && error.reason === 'timeout');
  assert.deepEqual(await first, [100]);
  await queue.idle();
});
