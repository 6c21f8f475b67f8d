import { locateModel } from '../inference/runner.js';
import { detectRerankerKind, STARTER_MODEL_ID } from '../model/index.js';
import { CrossEncoder, type CrossEncoderInfo, type CrossEncoderOptions } from './crossEncoder.js';
import { LateInteractionModel, type LateInteractionInfo } from './lateInteraction.js';

/** Any reranker crossrank loads: each has `rerank`, `score`, and the encode/score steps a queue uses. */
export type Reranker = CrossEncoder | LateInteractionModel;
export type RerankerInfo = CrossEncoderInfo | LateInteractionInfo;

export interface RerankerOptions extends CrossEncoderOptions {
  /** Late interaction only: replaces the model's query length. */
  queryMaxLength?: number;
}

/**
 * Loads the reranker a model directory or hub id holds, by the kind its files say (see
 * detectRerankerKind): a cross-encoder, or a late-interaction (ColBERT) model. For the latter,
 * `maxLength` is the document length and `maxBatchPairs` the texts per forward pass; the
 * cross-encoder's truncation, activation and chunking do not apply (documents are cut at the
 * document length, scores are MaxSim sums).
 */
export async function loadReranker(nameOrDir: string = STARTER_MODEL_ID, options: RerankerOptions = {}): Promise<Reranker> {
  const { modelDir } = await locateModel(nameOrDir, options);
  if (detectRerankerKind(modelDir) === 'late-interaction') {
    return LateInteractionModel.load(modelDir, {
      ...options,
      documentMaxLength: options.maxLength,
      maxBatchTexts: options.maxBatchPairs,
    });
  }
  return CrossEncoder.load(modelDir, options);
}
