import { InputError, positiveIntegerOption } from '../errors.js';

/**
 * Sliding windows over a long document, for models whose max_length is shorter than the text.
 * The document's score is its best window's: a passage that answers the query anywhere counts.
 */
export interface ChunkingOptions {
  /** Document tokens per window; default: all that fit beside the query in max_length. */
  window?: number;
  /** Tokens from one window's start to the next's; default: half the window (windows overlap by half). */
  stride?: number;
  /** Windows per document at most, the first ones kept; default 8. Bounds the cost of a huge document. */
  maxChunks?: number;
}

export interface ResolvedChunking {
  window: number;
  stride: number;
  maxChunks: number;
}

export function resolveChunking(options: ChunkingOptions, documentBudget: number): ResolvedChunking {
  const window = Math.min(options.window ?? documentBudget, documentBudget);
  if (!Number.isInteger(window) || window < 1) {
    throw new InputError(`chunking window must be a positive number of tokens that fits beside the query (max ${documentBudget})`);
  }
  const stride = options.stride ?? Math.max(1, Math.floor(window / 2));
  positiveIntegerOption(stride, 'chunking stride');
  const maxChunks = options.maxChunks ?? 8;
  positiveIntegerOption(maxChunks, 'chunking maxChunks');
  return { window, stride, maxChunks };
}

/** [start, end) token ranges covering a document of `length` tokens (one range when it fits). */
export function windowRanges(length: number, chunking: ResolvedChunking): Array<[number, number]> {
  if (length <= chunking.window) return [[0, length]];
  const ranges: Array<[number, number]> = [];
  for (let start = 0; ranges.length < chunking.maxChunks; start += chunking.stride) {
    const end = Math.min(start + chunking.window, length);
    ranges.push([start, end]);
    if (end === length) break;
  }
  return ranges;
}
