import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ModelFormatError } from '../errors.js';

/** Which ONNX export of the weights to run: q4 is 4-bit MatMulNBits (onnx-community's model_q4.onnx), only when asked for. */
export type ModelVariant = 'fp32' | 'quantized' | 'fp16' | 'q4';

export const MODEL_VARIANTS: readonly ModelVariant[] = ['fp32', 'quantized', 'fp16', 'q4'];

/**
 * Where each variant's weights live in the Hugging Face layout, most usual first: Xenova /
 * Optimum exports put them under onnx/, some repos keep a single model.onnx at the root.
 */
export const WEIGHT_FILES: Record<ModelVariant, readonly string[]> = {
  // vespa_colbert.onnx: the Vespa export that ColBERT repos (answerai-colbert-small-v1) ship.
  fp32: ['onnx/model.onnx', 'model.onnx', 'vespa_colbert.onnx'],
  quantized: ['onnx/model_quantized.onnx', 'onnx/model_int8.onnx', 'onnx/model_uint8.onnx', 'model_quantized.onnx'],
  fp16: ['onnx/model_fp16.onnx', 'model_fp16.onnx'],
  q4: ['onnx/model_q4.onnx', 'model_q4.onnx'],
};

/** The files that define a model's text encoding; a directory without them is not a model. */
export interface TokenizerFiles {
  dir: string;
  config: string;
  tokenizer: string;
  tokenizerConfig: string;
}

/** The files of a model directory that crossrank reads. */
export interface ModelFiles extends TokenizerFiles {
  weights: string;
  variant: ModelVariant;
}

function requireFile(dir: string, name: string): string {
  const path = join(dir, name);
  if (!existsSync(path)) throw new ModelFormatError(`${dir} is not a model directory: ${name} is missing`);
  try {
    accessSync(path, constants.R_OK);
  } catch (error) {
    throw new ModelFormatError(`${path} cannot be read`, { cause: error });
  }
  return path;
}

function firstExisting(dir: string, candidates: readonly string[]): string | undefined {
  return candidates.map((name) => join(dir, name)).find((path) => existsSync(path));
}

export function locateTokenizerFiles(dir: string): TokenizerFiles {
  if (!existsSync(dir)) throw new ModelFormatError(`model directory ${dir} does not exist`);
  if (!statSync(dir).isDirectory()) throw new ModelFormatError(`${dir} is not a model directory`);
  return {
    dir,
    config: requireFile(dir, 'config.json'),
    tokenizer: requireFile(dir, 'tokenizer.json'),
    tokenizerConfig: requireFile(dir, 'tokenizer_config.json'),
  };
}

/**
 * Finds the files of a model directory. Without `variant`, CPU prefers the int8 export (about
 * 2-3x faster at a small cost in accuracy) and a GPU the fp16 one, each falling back to fp32.
 */
export function locateModelFiles(dir: string, options: { variant?: ModelVariant; preferFor?: 'cpu' | 'gpu' } = {}): ModelFiles {
  const tokenizerFiles = locateTokenizerFiles(dir);
  const order: ModelVariant[] = options.variant
    ? [options.variant]
    : options.preferFor === 'gpu'
      ? ['fp16', 'fp32']
      : ['quantized', 'fp32'];
  for (const variant of order) {
    const weights = firstExisting(dir, WEIGHT_FILES[variant]);
    if (weights) {
      try {
        accessSync(weights, constants.R_OK);
      } catch (error) {
        throw new ModelFormatError(`${weights} cannot be read`, { cause: error });
      }
      return { ...tokenizerFiles, weights, variant };
    }
  }
  const looked = order.flatMap((variant) => WEIGHT_FILES[variant]).join(', ');
  throw new ModelFormatError(
    options.variant
      ? `${dir} has no ${options.variant} weights (looked for ${looked})`
      : `${dir} has no ONNX weights (looked for ${looked}); export the model to ONNX first`,
  );
}
