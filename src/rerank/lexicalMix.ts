import { candidateBm25 } from './candidateBm25.js';
import { interpolateScores, meanAndDeviation } from './interpolation.js';

/**
 * The model's raw scores of the given documents with BM25 over the same documents mixed in, as
 * `search` mixes its first stage (interpolation.ts): the order is that of standardised raw score
 * + weight x standardised BM25. Weight 0 returns the raw scores as they are.
 *
 * The mixed value is reported on the model's own scale, so that a sigmoid still gives a relevance
 * in [0, 1] (Cohere's relevance_score, TEI's score) and TEI's raw_scores stay logits:
 *
 *   mixed = mean + sd x (z_model + weight x z_bm25) / (1 + weight)
 *         = (raw + weight x bm25 re-expressed with the raw scores' mean and sd) / (1 + weight)
 *
 * with mean and sd those of the raw scores over these documents. It is a positive affine map of
 * the interpolated score, so it orders exactly as `search` would; it averages the model's score
 * with the keyword evidence put in the model's units, so it keeps the model's level (documents the
 * model finds irrelevant all stay low), which a sigmoid of the z-scores themselves would not.
 * Where the model scores every document the same (sd 0), one logit stands in for sd, so BM25 still
 * orders them.
 */
export function mixLexicalEvidence(query: string, documents: readonly string[], raw: readonly number[], weight: number): number[] {
  return weight === 0 ? [...raw] : mixBm25(raw, candidateBm25(query, documents), weight);
}

/** `mixLexicalEvidence` with the BM25 scores already computed (the service computes them a slice at a time). */
export function mixBm25(raw: readonly number[], bm25: readonly number[], weight: number): number[] {
  if (weight === 0 || raw.length === 0) return [...raw];
  const interpolated = interpolateScores(raw, bm25, weight);
  const { mean, deviation } = meanAndDeviation(raw);
  const scale = deviation > 0 ? deviation : 1;
  return interpolated.map((score) => mean + (scale * score) / (1 + weight));
}
