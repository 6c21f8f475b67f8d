import type { RunEvaluation } from './metrics.js';

/** How a reranked run compares with its first stage, query by query, on nDCG@10. */
export interface WinLoss {
  better: number;
  worse: number;
  unchanged: number;
  /**
   * Two-sided sign test over the queries that changed: the chance of a split at least this uneven
   * if reranking were as likely to hurt a query as to help it. Small means the gain is not noise.
   */
  signTestP: number;
}

/** nDCG@10 after reranking less before, per query evaluated in both runs. */
export function rerankGains(before: RunEvaluation, after: RunEvaluation): Array<{ queryId: string; gain: number }> {
  const gains: Array<{ queryId: string; gain: number }> = [];
  for (const [queryId, metrics] of after.perQuery) {
    const base = before.perQuery.get(queryId);
    if (base) gains.push({ queryId, gain: metrics.ndcg10 - base.ndcg10 });
  }
  return gains;
}

const EPSILON = 1e-12;

export function winLoss(before: RunEvaluation, after: RunEvaluation): WinLoss {
  const gains = rerankGains(before, after);
  const better = gains.filter((g) => g.gain > EPSILON).length;
  const worse = gains.filter((g) => g.gain < -EPSILON).length;
  return { better, worse, unchanged: gains.length - better - worse, signTestP: signTest(better, worse) };
}

/** Exact two-sided binomial sign test, summed in log space so thousands of queries do not overflow. */
export function signTest(wins: number, losses: number): number {
  const n = wins + losses;
  if (n === 0) return 1;
  const k = Math.min(wins, losses);
  const logFactorial = [0];
  for (let i = 1; i <= n; i++) logFactorial.push(logFactorial[i - 1] + Math.log(i));
  let tail = 0;
  for (let i = 0; i <= k; i++) tail += Math.exp(logFactorial[n] - logFactorial[i] - logFactorial[n - i] - n * Math.LN2);
  return Math.min(1, 2 * tail);
}
