import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InputError } from '../src/errors.js';
import { compareIdBytes, evaluateQuery, evaluateRun, trecOrder, type RetrievedDocument } from '../src/eval/metrics.js';
import { formatTrecRun } from '../src/eval/trecRun.js';
import { signTest, winLoss } from '../src/eval/winLoss.js';
import { formatP } from '../src/eval/report.js';

const judged = (entries: Record<string, number>): Map<string, number> => new Map(Object.entries(entries));
const ranked = (...ids: string[]): RetrievedDocument[] => ids.map((id, i) => ({ id, score: 100 - i }));

function close(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) < 1e-12, `${what}: ${actual}, expected ${expected}`);
}

test('graded relevance: nDCG@10, MRR@10, Recall@100 and MAP of one query, by hand', () => {
  // Judged: a 2, b 1, c 0, d 2, e 1 (e is never retrieved). Retrieved in order a, b, c, d.
  const metrics = evaluateQuery(judged({ a: 2, b: 1, c: 0, d: 2, e: 1 }), ranked('a', 'b', 'c', 'd'));
  // DCG@10 = 2/log2(2) + 1/log2(3) + 0/log2(4) + 2/log2(5) = 2 + 0.630930 + 0 + 0.861353 = 3.492283
  // ideal gains 2, 2, 1, 1: IDCG = 2/1 + 2/log2(3) + 1/log2(4) + 1/log2(5) = 2 + 1.261860 + 0.5 + 0.430677 = 4.192536
  close(metrics.ndcg10, (2 + 1 / Math.log2(3) + 2 / Math.log2(5)) / (2 + 2 / Math.log2(3) + 0.5 + 1 / Math.log2(5)), 'nDCG@10');
  close(metrics.ndcg10, 0.8329762261778096, 'nDCG@10 value');
  // The first relevant document (a) is at rank 1.
  close(metrics.mrr10, 1, 'MRR@10');
  // Relevant (>= 1): a, b, d, e; retrieved in the first 100: a, b, d.
  close(metrics.recall100, 3 / 4, 'Recall@100');
  // Precision at each relevant retrieved: a@1 1/1, b@2 2/2, d@4 3/4; sum 2.75 over 4 relevant.
  close(metrics.map, 2.75 / 4, 'MAP');
});

test('ties are broken as trec_eval breaks them: document id descending', () => {
  // z scores highest; w, x, y tie, so trec_eval orders them y, x, w: x lands at rank 3.
  const retrieved = [
    { id: 'w', score: 0.5 },
    { id: 'x', score: 0.5 },
    { id: 'y', score: 0.5 },
    { id: 'z', score: 0.9 },
  ];
  assert.deepEqual(trecOrder(retrieved).map((d) => d.id), ['z', 'y', 'x', 'w']);
  const metrics = evaluateQuery(judged({ x: 1 }), retrieved);
  close(metrics.mrr10, 1 / 3, 'MRR@10');
  close(metrics.ndcg10, 1 / Math.log2(4), 'nDCG@10'); // 1/log2(3+1) over the ideal 1/log2(2) = 1
  close(metrics.map, 1 / 3, 'MAP');
  // The input order is not what counts: the same documents listed in another order score the same.
  assert.deepEqual(evaluateQuery(judged({ x: 1 }), [...retrieved].reverse()), metrics);
});

test('ids compare by bytes, as strcmp: upper case before lower, astral characters last', () => {
  assert.ok(compareIdBytes('Z', 'a') < 0);
  assert.ok(compareIdBytes('doc10', 'doc9') < 0);
  assert.ok(compareIdBytes('abc', 'ab') > 0);
  // U+1D538 is F0 9D 94 B8 in UTF-8, above U+FFFD (EF BF BD); in UTF-16 units it would sort first.
  assert.ok(compareIdBytes('\u{1D538}', '\uFFFD') > 0);
  assert.equal(compareIdBytes('é', 'é'), 0);
});

test('cut-offs: MRR counts only the first 10, Recall only the first 100, MAP the whole run', () => {
  const filler = (n: number): string[] => Array.from({ length: n }, (_, i) => `n${String(i).padStart(3, '0')}`);
  const at11 = evaluateQuery(judged({ r: 1 }), ranked(...filler(10), 'r'));
  close(at11.mrr10, 0, 'MRR@10 with the relevant document at 11');
  close(at11.ndcg10, 0, 'nDCG@10 with the relevant document at 11');
  close(at11.map, 1 / 11, 'MAP with the relevant document at 11');
  close(at11.recall100, 1, 'Recall@100 with the relevant document at 11');
  const at101 = evaluateQuery(judged({ r: 1 }), ranked(...filler(100), 'r'));
  close(at101.recall100, 0, 'Recall@100 with the relevant document at 101');
  close(at101.map, 1 / 101, 'MAP with the relevant document at 101');
});

test('relevance levels: 0 and unjudged are not relevant, negative values are unjudged, gain is the level', () => {
  // b is judged -1 (unjudged): not relevant and not in the ideal ordering. Only a (level 3) counts.
  const metrics = evaluateQuery(judged({ a: 3, b: -1, c: 0 }), ranked('b', 'c', 'x', 'a'));
  // DCG = 3/log2(5); IDCG = 3/log2(2) = 3.
  close(metrics.ndcg10, 3 / Math.log2(5) / 3, 'nDCG@10');
  close(metrics.mrr10, 1 / 4, 'MRR@10');
  close(metrics.map, 1 / 4, 'MAP');
});

test('which queries count: judged ones with results; all-zero judgments count as 0; -c counts the missing', () => {
  const qrels = new Map([
    ['q1', judged({ a: 1 })],
    ['q2', judged({ b: 0, c: 0 })], // judged, nothing relevant: every measure 0, still in the mean
    ['q3', judged({ d: 1 })], // judged, not in the run: left out (trec_eval default)
  ]);
  const run = new Map([
    ['q1', ranked('a')],
    ['q2', ranked('b', 'c')],
    ['q4', ranked('a')], // not judged: ignored
  ]);
  const evaluation = evaluateRun(qrels, run);
  assert.equal(evaluation.evaluated, 2);
  assert.equal(evaluation.judged, 3);
  assert.deepEqual([...evaluation.perQuery.keys()], ['q1', 'q2']);
  assert.deepEqual(evaluation.perQuery.get('q2'), { ndcg10: 0, mrr10: 0, recall100: 0, map: 0 });
  // q1 is perfect (1 on every measure), q2 is 0: the mean is 1/2.
  assert.deepEqual(evaluation.mean, { ndcg10: 0.5, mrr10: 0.5, recall100: 0.5, map: 0.5 });
  const complete = evaluateRun(qrels, run, { complete: true });
  assert.equal(complete.evaluated, 3);
  close(complete.mean.ndcg10, 1 / 3, 'mean over all judged queries');
  // An empty ranking is no results.
  assert.equal(evaluateRun(qrels, new Map([['q1', []]])).evaluated, 0);
});

test('a run that retrieves a document twice for a query is refused, as trec_eval refuses it', () => {
  assert.throws(
    () => evaluateRun(new Map([['q1', judged({ a: 1 })]]), new Map([['q1', [{ id: 'a', score: 1 }, { id: 'a', score: 0.5 }]]])),
    (error: Error) => error instanceof InputError && /twice for query q1/.test(error.message),
  );
});

test('TREC run files: trec_eval order, ranks from 1, scores that read back exactly', () => {
  const run = new Map([
    ['q1', [{ id: 'd1', score: 0.1 + 0.2 }, { id: 'd3', score: 2 }, { id: 'd2', score: 0.1 + 0.2 }]],
    ['q2', [{ id: 'x', score: -1.5e-7 }]],
  ]);
  const text = formatTrecRun(run, 'bm25');
  assert.equal(text, ['q1 Q0 d3 1 2 bm25', 'q1 Q0 d2 2 0.30000000000000004 bm25', 'q1 Q0 d1 3 0.30000000000000004 bm25', 'q2 Q0 x 1 -1.5e-7 bm25', ''].join('\n'));
  assert.equal(Number('0.30000000000000004'), 0.1 + 0.2);
  assert.throws(() => formatTrecRun(new Map([['q1', [{ id: 'has space', score: 1 }]]]), 'bm25'), /document id "has space" cannot be written/);
  assert.throws(() => formatTrecRun(new Map([['q1', [{ id: 'd', score: Number.NaN }]]]), 'bm25'), /not a finite number/);
});

test('win/loss of a reranked run against its first stage, with an exact sign test', () => {
  const qrels = new Map([
    ['q1', judged({ a: 1 })],
    ['q2', judged({ a: 1 })],
    ['q3', judged({ a: 1 })],
  ]);
  const before = evaluateRun(qrels, new Map([['q1', ranked('b', 'a')], ['q2', ranked('a', 'b')], ['q3', ranked('a', 'b')]]));
  const after = evaluateRun(qrels, new Map([['q1', ranked('a', 'b')], ['q2', ranked('b', 'a')], ['q3', ranked('a', 'b')]]));
  const result = winLoss(before, after);
  assert.deepEqual({ better: result.better, worse: result.worse, unchanged: result.unchanged }, { better: 1, worse: 1, unchanged: 1 });
  close(result.signTestP, 1, 'p of a 1-1 split');
  // 9 wins, 1 loss: P(X <= 1) for Binomial(10, 1/2) = 11/1024, doubled.
  close(signTest(9, 1), 22 / 1024, 'p of 9-1');
  close(signTest(1, 9), 22 / 1024, 'the test is symmetric');
  close(signTest(0, 0), 1, 'no changed query');
  // Thousands of queries must not overflow: 1,100 vs 900 is about 4.5 standard deviations from an even split: p is tiny but finite.
  const p = signTest(1100, 900);
  assert.ok(p > 0 && p < 1e-5, `p of 1,100-900: ${p}`);
  assert.equal(formatP(p), p.toExponential(1));
  assert.equal(formatP(0.0321), '0.032');
  assert.equal(formatP(signTest(26, 2104)), '< 1e-300', 'an underflow is not a p of exactly 0');
});
