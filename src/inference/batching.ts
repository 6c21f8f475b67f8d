import { positiveIntegerOption } from '../errors.js';

/**
 * Caps on one forward pass. Padded tokens (sequences x longest sequence) drive its memory and time.
 * A sequence is a (query, document) pair for a cross-encoder, one text for an embedding model.
 */
export interface BatchLimits {
  maxBatchPairs: number;
  maxBatchTokens: number;
}

/**
 * Groups items into batches by length: items are taken longest first, so each batch pads only
 * to its own longest item and similar lengths share a batch. A batch grows while it stays within
 * both caps; an item longer than the token cap still gets a batch of its own.
 * Returns the item indices of each batch.
 */
export function planBatches(lengths: readonly number[], limits: BatchLimits): number[][] {
  const order = lengths.map((_, index) => index).sort((a, b) => lengths[b] - lengths[a] || a - b);
  const batches: number[][] = [];
  let current: number[] = [];
  let paddedLength = 0;
  for (const index of order) {
    const fits = current.length < limits.maxBatchPairs && (current.length + 1) * paddedLength <= limits.maxBatchTokens;
    if (current.length > 0 && !fits) {
      batches.push(current);
      current = [];
    }
    if (current.length === 0) paddedLength = lengths[index];
    current.push(index);
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** Batch caps from options, each checked (a positive integer) and named in the error as the caller knows it. */
export function batchLimits(
  pairs: number | undefined,
  tokens: number | undefined,
  defaults: BatchLimits,
  names: { pairs: string; tokens: string },
): BatchLimits {
  return {
    maxBatchPairs: positiveIntegerOption(pairs ?? defaults.maxBatchPairs, names.pairs),
    maxBatchTokens: positiveIntegerOption(tokens ?? defaults.maxBatchTokens, names.tokens),
  };
}
