import { InputError } from '../errors.js';

/**
 * How a pair that does not fit is shortened, as in Hugging Face tokenizers:
 * - `longest_first`: take tokens from the longer side first (the default of `truncation=True`);
 * - `only_second`: take tokens from the document only; a query that alone overflows is an error.
 */
export type TruncationStrategy = 'longest_first' | 'only_second';

export const TRUNCATION_STRATEGIES: readonly TruncationStrategy[] = ['longest_first', 'only_second'];

/**
 * The lengths that the two sides of a pair keep so that together they fit in `budget` tokens
 * (max_length less the special tokens of the pair template).
 *
 * This is the rule of Hugging Face tokenizers' `truncate_encodings` (Rust; used by every "fast"
 * tokenizer, so by `AutoTokenizer`), not the one-token-at-a-time loop of the slow Python
 * tokenizers: the two differ when both sides exceed half the budget. With n1 <= n2:
 * the shorter side is kept whole when it fits in half the budget and the longer one gets the rest;
 * otherwise the first sequence of the (shorter, longer) order gets floor(budget / 2) and the other
 * ceil(budget / 2). Equal lengths keep their order, so then the query gets the floor.
 */
export function truncatedLengths(
  firstLength: number,
  secondLength: number,
  budget: number,
  strategy: TruncationStrategy,
): [number, number] {
  if (budget < 0) throw new InputError(`max_length leaves no room for the special tokens of the pair (${budget} tokens short)`);
  const total = firstLength + secondLength;
  if (total <= budget) return [firstLength, secondLength];

  if (strategy === 'only_second') {
    const toRemove = total - budget;
    if (secondLength <= toRemove) {
      throw new InputError(
        `the query is ${firstLength} tokens: with truncation only_second it leaves no room for the document within max_length; use longest_first or a larger max_length`,
      );
    }
    return [firstLength, secondLength - toRemove];
  }

  const swap = firstLength > secondLength;
  let n1 = swap ? secondLength : firstLength;
  let n2 = n1 > budget ? n1 : Math.max(n1, budget - n1);
  if (n1 + n2 > budget) {
    n1 = Math.floor(budget / 2);
    n2 = n1 + (budget % 2);
  }
  const [keepFirst, keepSecond] = swap ? [n2, n1] : [n1, n2];
  return [Math.min(keepFirst, firstLength), Math.min(keepSecond, secondLength)];
}
