import type { Tokenizer } from '@huggingface/tokenizers';
import { exactTokenizer } from './exactTokenizer.js';

type ModelCall = (preTokens: string[]) => string[];

/**
 * Where each pre-tokenizer split (a word, a punctuation run, an added token) ends in a text's
 * tokens: the token counts at split ends, ascending, the last being the total.
 *
 * @huggingface/tokenizers has no API for this, so a second tokenizer is built whose model runs
 * one pre-token at a time and records how many tokens each gives; added tokens, which bypass
 * the model, are found as the tokens between recorded splits. Only needed on a rare path
 * (see `earlyExitLength`), so the cost is kept off the hot one.
 */
export class SplitBoundaries {
  private readonly recorder: Tokenizer;
  private recorded: string[][] = [];

  constructor(tokenizerJson: Record<string, unknown>, tokenizerConfig: Record<string, unknown>) {
    this.recorder = exactTokenizer(tokenizerJson, tokenizerConfig);
    const model = this.recorder.model as unknown as ModelCall | null;
    if (model === null) throw new Error('tokenizer has no model');
    const recordingModel: ModelCall = (preTokens) =>
      preTokens.flatMap((preToken) => {
        const tokens = model([preToken]);
        this.recorded.push(tokens);
        return tokens;
      });
    (this.recorder as unknown as { model: ModelCall }).model = recordingModel;
  }

  ends(text: string): number[] {
    this.recorded = [];
    const tokens = this.recorder.tokenize(text, { add_special_tokens: false });
    const ends: number[] = [];
    let position = 0;
    for (const split of this.recorded) {
      if (split.length === 0) continue;
      while (position < tokens.length && !startsWith(tokens, position, split)) ends.push(++position); // an added token
      position += split.length;
      ends.push(position);
    }
    while (position < tokens.length) ends.push(++position);
    return ends;
  }
}

function startsWith(tokens: string[], at: number, split: string[]): boolean {
  return split.every((token, i) => tokens[at + i] === token);
}

/**
 * Hugging Face tokenizers (since 0.23, "early exit for truncation") stop tokenizing a sequence
 * after the first split whose end reaches max_length, so a long side counts as that many tokens,
 * not its full length. The longest_first split of the budget compares these counts: it decides
 * which side gets the odd token when both sides are at least max_length long.
 */
export function earlyExitLength(splitEnds: readonly number[], maxLength: number): number {
  for (const end of splitEnds) if (end >= maxLength) return end;
  return splitEnds.length > 0 ? splitEnds[splitEnds.length - 1] : 0;
}

/**
 * earlyExitLength for truncation from the left (`truncation_side="left"`): Hugging Face then
 * tokenizes from the end of the text, so splits are counted back from the last one.
 */
export function earlyExitLengthFromEnd(splitEnds: readonly number[], maxLength: number): number {
  const total = splitEnds.length > 0 ? splitEnds[splitEnds.length - 1] : 0;
  for (let i = splitEnds.length - 2; i >= -1; i--) {
    const fromEnd = total - (i >= 0 ? splitEnds[i] : 0);
    if (fromEnd >= maxLength) return fromEnd;
  }
  return total;
}
