import { ModelFormatError } from '../errors.js';

/** What crossrank needs from a model's config.json. */
export interface ModelConfig {
  modelType: string;
  /** Outputs per pair: 1 for MS MARCO / BGE-style rerankers, 2 for (not relevant, relevant) heads. */
  numLabels: number;
  maxPositionEmbeddings?: number;
  /** RoBERTa-family models number positions after the pad id, so they hold fewer tokens than positions. */
  padTokenId?: number;
}

export function parseModelConfig(config: Record<string, unknown>, path: string): ModelConfig {
  const modelType = typeof config.model_type === 'string' ? config.model_type : 'unknown';
  let numLabels: number;
  if (config.id2label && typeof config.id2label === 'object') numLabels = Object.keys(config.id2label).length;
  else if (typeof config.num_labels === 'number') numLabels = config.num_labels;
  else numLabels = 2; // transformers' PretrainedConfig default
  if (!Number.isInteger(numLabels) || numLabels < 1) throw new ModelFormatError(`${path}: num_labels must be a positive integer`);
  const maxPositionEmbeddings = typeof config.max_position_embeddings === 'number' ? config.max_position_embeddings : undefined;
  const padTokenId = typeof config.pad_token_id === 'number' ? config.pad_token_id : undefined;
  return { modelType, numLabels, maxPositionEmbeddings, padTokenId };
}

/**
 * The default max_length of a pair: min(tokenizer model_max_length, max_position_embeddings),
 * where RoBERTa-style models lose the pad_id + 1 positions that precede the first token (514 -> 512).
 * Tokenizers that set no limit store a huge sentinel (1e30), which is ignored.
 */
export function defaultMaxLength(config: ModelConfig, tokenizerConfig: Record<string, unknown>): number {
  const limits: number[] = [];
  const tokenizerLimit = tokenizerConfig.model_max_length;
  if (typeof tokenizerLimit === 'number' && tokenizerLimit > 0 && tokenizerLimit < 1e9) limits.push(tokenizerLimit);
  if (config.maxPositionEmbeddings !== undefined) {
    const offset = usesPaddingOffsetPositions(config.modelType) ? (config.padTokenId ?? 1) + 1 : 0;
    limits.push(config.maxPositionEmbeddings - offset);
  }
  return limits.length > 0 ? Math.min(...limits) : 512;
}

function usesPaddingOffsetPositions(modelType: string): boolean {
  return ['roberta', 'xlm-roberta', 'camembert', 'longformer'].includes(modelType);
}
