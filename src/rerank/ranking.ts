/** Indices of `scores`, best first; equal scores keep input order (a stable sort). */
export function rankByScore(scores: readonly number[]): number[] {
  return scores.map((_, index) => index).sort((a, b) => scores[b] - scores[a] || a - b);
}
