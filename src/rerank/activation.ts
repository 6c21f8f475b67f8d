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
 * One score per row of logits [rows, numLabels]. Two labels are (not relevant, relevant): the
 * score is the softmax probability of label 1, as sentence-transformers' CrossEncoder gives it.
 */
export function scoresFromLogits(logits: Float32Array, rows: number, numLabels: number, activation: Activation): number[] {
  if (logits.length !== rows * numLabels) {
    throw new ModelFormatError(`model returned ${logits.length} logits for ${rows} pairs; expected ${numLabels} per pair`);
  }
  const scores = new Array<number>(rows);
  for (let row = 0; row < rows; row++) {
    if (numLabels === 1) {
      const logit = logits[row];
      scores[row] = activation === 'sigmoid' ? sigmoid(logit) : logit;
    } else {
      const a = logits[row * 2];
      const b = logits[row * 2 + 1];
      scores[row] = sigmoid(b - a); // softmax([a, b])[1]
    }
  }
  return scores;
}

export function assertSupportedLabelCount(numLabels: number, where: string): void {
  if (numLabels !== 1 && numLabels !== 2) {
    throw new ModelFormatError(`${where}: the model has ${numLabels} labels; a reranker has 1 (a relevance logit) or 2 (not relevant, relevant)`);
  }
}
