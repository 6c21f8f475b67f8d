import { InputError } from '../errors.js';
import { defaultMaxLength, detectModelFamily, parseModelConfig, readJsonObject, type ModelConfig, type TokenizerFiles } from '../model/index.js';
import { PairEncoder } from '../tokenize/pairEncoder.js';

/** A model's pair encoder, its config and the max_length in force. */
export interface ModelEncoding {
  encoder: PairEncoder;
  config: ModelConfig;
  maxLength: number;
}

/**
 * Reads config and tokenizer of a model directory; `maxLength` may lower the model's own limit, never
 * raise it. `sequences` says what one model input holds: a (query, document) pair for a cross-encoder,
 * one text for an embedding model; it decides how many special tokens max_length must leave room for.
 */
export function loadModelEncoding(files: TokenizerFiles, maxLength?: number, sequences: 'pair' | 'single' = 'pair'): ModelEncoding {
  const configJson = readJsonObject(files.config);
  const tokenizerJson = readJsonObject(files.tokenizer);
  const config = { ...parseModelConfig(configJson, files.config), modelType: detectModelFamily(configJson, tokenizerJson, files.config) };
  const tokenizerConfig = readJsonObject(files.tokenizerConfig);
  const encoder = PairEncoder.fromJson(tokenizerJson, tokenizerConfig);
  const modelLimit = defaultMaxLength(config, tokenizerConfig);
  const chosen = maxLength ?? modelLimit;
  const specialCount = sequences === 'pair' ? encoder.pairSpecialCount : encoder.singleSpecialCount;
  if (!Number.isInteger(chosen) || chosen <= specialCount || chosen > modelLimit) {
    throw new InputError(`max length must be an integer from ${specialCount + 1} to ${modelLimit} for this model, got ${maxLength}`);
  }
  return { encoder, config, maxLength: chosen };
}
