import { ModelFormatError } from '../errors.js';

/** What an LLM reranker needs of a causal LM's config.json: the shape of its key/value cache and its length limit. */
export interface DecoderConfig {
  modelType: string;
  layers: number;
  kvHeads: number;
  headDim: number;
  maxPositionEmbeddings?: number;
}

/** The causal-LM families whose exports crossrank scores as yes/no rerankers. */
export const DECODER_MODEL_TYPES: readonly string[] = ['qwen3', 'qwen2', 'gemma', 'gemma2', 'llama', 'mistral'];

/** Whether a config.json describes a causal LM (by model_type or a *ForCausalLM architecture). */
export function isDecoderConfig(config: Record<string, unknown>): boolean {
  if (typeof config.model_type === 'string' && DECODER_MODEL_TYPES.includes(config.model_type)) return true;
  return Array.isArray(config.architectures) && config.architectures.some((a) => typeof a === 'string' && a.endsWith('ForCausalLM'));
}

export function parseDecoderConfig(config: Record<string, unknown>, path: string): DecoderConfig {
  const integer = (key: string): number | undefined => {
    const value = config[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw new ModelFormatError(`${path}: ${key} must be a positive integer`);
    return value;
  };
  const layers = integer('num_hidden_layers');
  const heads = integer('num_attention_heads');
  const hidden = integer('hidden_size');
  if (layers === undefined || heads === undefined) throw new ModelFormatError(`${path}: a causal LM needs num_hidden_layers and num_attention_heads`);
  const headDim = integer('head_dim') ?? (hidden === undefined ? undefined : hidden / heads);
  if (headDim === undefined || !Number.isInteger(headDim)) throw new ModelFormatError(`${path}: head_dim is missing and hidden_size / num_attention_heads is not an integer`);
  return {
    modelType: typeof config.model_type === 'string' ? config.model_type : 'unknown',
    layers,
    kvHeads: integer('num_key_value_heads') ?? heads,
    headDim,
    maxPositionEmbeddings: integer('max_position_embeddings'),
  };
}
