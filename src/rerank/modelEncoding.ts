import { InputError } from '../errors.js';
import { defaultMaxLength, parseModelConfig, readJsonObject, type ModelConfig, type TokenizerFiles } from '../model/index.js';
import { PairEncoder } from '../tokenize/pairEncoder.js';

/** A model's pair encoder, its config and the max_length in force. */
export interface ModelEncoding {
  encoder: PairEncoder;
  config: ModelConfig;
  maxLength: number;
}

/** Reads config and tokenizer of a model directory; `maxLength` may lower the model's own limit, never raise it. */
export function loadModelEncoding(files: TokenizerFiles, maxLength?: number): ModelEncoding {
  const config = parseModelConfig(readJsonObject(files.config), files.config);
  const tokenizerConfig = readJsonObject(files.tokenizerConfig);
  const encoder = PairEncoder.fromJson(readJsonObject(files.tokenizer), tokenizerConfig);
  const modelLimit = defaultMaxLength(config, tokenizerConfig);
  const chosen = maxLength ?? modelLimit;
  if (!Number.isInteger(chosen) || chosen <= encoder.pairSpecialCount || chosen > modelLimit) {
    throw new InputError(`max length must be an integer from ${encoder.pairSpecialCount + 1} to ${modelLimit} for this model, got ${maxLength}`);
  }
  return { encoder, config, maxLength: chosen };
}
