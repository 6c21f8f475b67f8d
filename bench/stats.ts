/** Latency summaries for benchmark runs (milliseconds). */
export interface LatencySummary {
  runs: number;
  meanMs: number;
  p50Ms: number;
  p95Ms: number;
}

export function percentile(sorted: number[], p: number): number {
  // nearest-rank: with few runs, report an observed value rather than an interpolation
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export function summarize(samplesMs: number[]): LatencySummary {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const meanMs = sorted.reduce((s, x) => s + x, 0) / sorted.length;
  return { runs: sorted.length, meanMs, p50Ms: percentile(sorted, 50), p95Ms: percentile(sorted, 95) };
}
