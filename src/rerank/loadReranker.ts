import { resolveModelDir } from '../hub/index.js';
import { locateModel } from '../inference/runner.js';
import { detectRerankerKind, isDecoderConfig, locateTokenizerFiles, readJsonObject, STARTER_MODEL_ID } from '../model/index.js';
import { CrossEncoder, type CrossEncoderInfo, type CrossEncoderOptions } from './crossEncoder.js';
import { LateInteractionModel, type LateInteractionInfo } from './lateInteraction.js';
import { LlmReranker, type LlmRerankerInfo, type LlmRerankerOptions } from './llmReranker.js';

/** A reranker that scores encoded pairs through the shared queue's pair path: a cross-encoder or a late-interaction model. */
export type PairReranker = CrossEncoder | LateInteractionModel;
/** Any reranker crossrank loads: each has `rerank` and `close`. */
export type Reranker = PairReranker | LlmReranker;
export type RerankerInfo = CrossEncoderInfo | LateInteractionInfo | LlmRerankerInfo;

/** Options of any kind; each kind reads its own (see loadReranker). */
export interface RerankerOptions extends CrossEncoderOptions, Pick<LlmRerankerOptions, 'promptFormat' | 'instruction' | 'sharePrefix'> {
  /** Late interaction only: replaces the model's query length. */
  queryMaxLength?: number;
  /** Late interaction only: a Matryoshka cut of each token vector (see LateInteractionOptions). */
  dimension?: number;
}

/**
 * Loads the reranker a model directory or hub id holds, by the kind its files say: a causal LM
 * (config.json, see isDecoderConfig) is an LLM reranker scored by its yes/no answer; colbert-ai,
 * Vespa, PyLate or jina-colbert-v2 files make a late-interaction (ColBERT) model (see detectRerankerKind); anything
 * else is a cross-encoder. For late interaction, `maxLength` is the document length and
 * `maxBatchPairs` the texts per forward pass; the cross-encoder's truncation, activation and
 * chunking apply to neither other kind.
 */
export async function loadReranker(nameOrDir: string = STARTER_MODEL_ID, options: RerankerOptions = {}): Promise<Reranker> {
  // The config alone tells a causal LM, which locates its own weights (decoder exports and their variants).
  const configDir = await resolveModelDir(nameOrDir, { ...options, tokenizerOnly: true });
  if (isDecoderConfig(readJsonObject(locateTokenizerFiles(configDir).config))) return LlmReranker.load(nameOrDir, options);
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
