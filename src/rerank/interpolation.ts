import { InputError } from '../errors.js';

/**
 * Score interpolation of reranker and first stage: each list is standardised over the query's
 * candidates (mean 0, standard deviation 1), then `rerank + weight * firstStage`. Standardising
 * first makes the weight mean the same for any pair of scales (a logit, a BM25 sum, an RRF score).
 *
 * Why: a small reranker and BM25 err on different queries, so their mix can beat both (on
 * held-out synopsis queries the starter model alone loses 4 points of nDCG@10 to BM25, mixed at
 * weight 1 it gains 5: BENCHMARKS.md); a strong reranker usually needs no help (weight 0).
 */
export function interpolateScores(rerankScores: readonly number[], firstStageScores: readonly number[], weight: number): number[] {
  if (rerankScores.length !== firstStageScores.length) throw new Error('interpolateScores: the two score lists differ in length');
  const rerank = standardize(rerankScores);
  const firstStage = standardize(firstStageScores);
  return rerank.map((score, i) => score + weight * firstStage[i]);
}

/** Equal scores (or a single one) carry no order: all become 0. */
function standardize(scores: readonly number[]): number[] {
  const { mean, deviation } = meanAndDeviation(scores);
  return scores.map((s) => (deviation > 0 ? (s - mean) / deviation : 0));
}

/** The mean and (population) standard deviation of a list of scores; 0 and 0 for none. */
export function meanAndDeviation(scores: readonly number[]): { mean: number; deviation: number } {
  const mean = scores.reduce((sum, s) => sum + s, 0) / Math.max(scores.length, 1);
  const variance = scores.reduce((sum, s) => sum + (s - mean) ** 2, 0) / Math.max(scores.length, 1);
  return { mean, deviation: Math.sqrt(variance) };
}

export function checkFirstStageWeight(weight: number, name = 'firstStageWeight'): number {
  if (!Number.isFinite(weight) || weight < 0) throw new InputError(`${name} must be a number >= 0, got ${weight}`);
  return weight;
}
