import { ModelFormatError } from '../errors.js';

/**
 * What a one-label model's logit becomes: `none` keeps the raw logit (sentence-transformers'
 * default for one label), `sigmoid` maps it into [0, 1].
 */
export type Activation = 'none' | 'sigmoid';

export const ACTIVATIONS: readonly Activation[] = ['none', 'sigmoid'];

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/**
 * One raw score per row of logits [rows, numLabels]: a one-label model's logit as it is; for two
 * labels (not relevant, relevant) the gap logit1 - logit0, the log-odds of relevance (softmax of
 * two labels is the sigmoid of their gap). Taken from the logits, never rebuilt from a
 * probability, so it stays finite however large the gap.
 */
export function rawScoresFromLogits(logits: Float32Array, rows: number, numLabels: number): number[] {
  if (logits.length !== rows * numLabels) {
    throw new ModelFormatError(`model returned ${logits.length} logits for ${rows} pairs; expected ${numLabels} per pair`);
  }
  const scores = new Array<number>(rows);
  for (let row = 0; row < rows; row++) {
    scores[row] = numLabels === 1 ? logits[row] : logits[row * 2 + 1] - logits[row * 2];
  }
  return scores;
}

/** A relevance in [0, 1] from a raw score: the sigmoid for one label, P(relevant) for two. */
export function relevanceFromRaw(raw: number): number {
  return sigmoid(raw);
}

/**
 * The score CrossEncoder gives: a one-label model's logit (`none`, sentence-transformers' default
 * for one label) or its sigmoid; a two-label model's P(relevant), as sentence-transformers gives it.
 */
export function activate(raw: number, numLabels: number, activation: Activation): number {
  return numLabels === 1 && activation === 'none' ? raw : sigmoid(raw);
}

export function assertSupportedLabelCount(numLabels: number, where: string): void {
  if (numLabels !== 1 && numLabels !== 2) {
    throw new ModelFormatError(`${where}: the model has ${numLabels} labels; a reranker has 1 (a relevance logit) or 2 (not relevant, relevant)`);
  }
}
