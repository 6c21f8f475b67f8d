import type { ScoredId } from './stores/types.js';

/** The k of reciprocal rank fusion (Cormack, Clarke and Büttcher 2009): damps the weight of the very first ranks. */
export const RRF_K = 60;

/**
 * Reciprocal rank fusion of ranked lists (best first): a document scores the sum of 1 / (k + rank)
 * over the lists it is in, rank counted from 1. Only ranks matter, so BM25 scores and cosine
 * similarities need no common scale. Equal scores go to the document with the better single rank,
 * then by id, so the order is deterministic.
 */
export function reciprocalRankFusion(lists: readonly (readonly ScoredId[])[], k: number = RRF_K): ScoredId[] {
  const fused = new Map<string, { score: number; bestRank: number }>();
  for (const list of lists) {
    list.forEach(({ id }, index) => {
      const rank = index + 1;
      const entry = fused.get(id) ?? { score: 0, bestRank: Number.POSITIVE_INFINITY };
      entry.score += 1 / (k + rank);
      entry.bestRank = Math.min(entry.bestRank, rank);
      fused.set(id, entry);
    });
  }
  return [...fused.entries()]
    .sort(([idA, a], [idB, b]) => b.score - a.score || a.bestRank - b.bestRank || (idA < idB ? -1 : idA > idB ? 1 : 0))
    .map(([id, { score }]) => ({ id, score }));
}
