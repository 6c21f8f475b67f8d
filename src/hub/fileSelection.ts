import { WEIGHT_FILES, type ModelVariant } from '../model/index.js';
import { HubError } from './hubError.js';

/** The files crossrank reads besides the weights (locateTokenizerFiles needs the first three). */
export const REQUIRED_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json'] as const;
/**
 * Fetched where the repo has them: sentence-transformers' files say how an embedding model pools
 * and normalises; colbert-ai's artifact.metadata how a ColBERT model encodes.
 */
export const OPTIONAL_FILES = [
  'special_tokens_map.json',
  'artifact.metadata',
  'modules.json',
  'sentence_bert_config.json',
  'config_sentence_transformers.json',
  '1_Pooling/config.json',
] as const;

export interface SelectionOptions {
  variant?: ModelVariant;
  /** Without `variant`, a CPU prefers int8 weights and a GPU fp16, each falling back to fp32. */
  preferFor?: 'cpu' | 'gpu';
  /** Only the config and tokenizer files (for `crossrank tokenize`). */
  tokenizerOnly?: boolean;
}

export interface FileSelection {
  /** Repo paths to fetch, config and tokenizer first. */
  files: string[];
  /** The weights file, unless tokenizerOnly. */
  weights?: string;
  variant?: ModelVariant;
}

/** The variants to try, in locateModelFiles' order, so the file fetched is the file it then opens. */
export function variantOrder(options: SelectionOptions): ModelVariant[] {
  if (options.variant) return [options.variant];
  return options.preferFor === 'gpu' ? ['fp16', 'fp32'] : ['quantized', 'fp32'];
}

/** ONNX external data belonging to a weights file: `model.onnx_data` (optimum), `model.onnx_data_1`, `model.onnx.data`. */
export function externalDataFiles(weights: string, available: readonly string[]): string[] {
  return available.filter((file) => file.startsWith(weights) && /^(_data(_\d+)?|\.data)$/.test(file.slice(weights.length)));
}

function listing(files: readonly string[]): string {
  const shown = files.slice(0, 12).join(', ');
  return files.length > 12 ? `${shown}, and ${files.length - 12} more` : shown || 'no files';
}

/**
 * Picks from a repo's file list what a reranker needs: config and tokenizer files, and one ONNX
 * weights file (with its external data) for the variant. Everything else (PyTorch weights, other
 * exports) stays on the hub.
 */
export function selectModelFiles(id: string, available: readonly string[], options: SelectionOptions = {}): FileSelection {
  const have = new Set(available);
  const onnxFiles = available.filter((file) => file.endsWith('.onnx'));
  if (!options.tokenizerOnly && onnxFiles.length === 0) {
    throw new HubError('unsupported', `${id} has no ONNX weights (its files: ${listing(available)}): crossrank needs an ONNX export of the model (e.g. optimum-cli export onnx), or use a repo that has one`);
  }
  const missing = REQUIRED_FILES.filter((file) => !have.has(file));
  if (missing.length > 0) {
    throw new HubError('unsupported', `${id} has no ${missing.join(', ')} (its files: ${listing(available)}): crossrank needs the Hugging Face fast-tokenizer files`);
  }
  const files: string[] = [...REQUIRED_FILES, ...OPTIONAL_FILES.filter((file) => have.has(file))];
  if (options.tokenizerOnly) return { files };

  for (const variant of variantOrder(options)) {
    const weights = WEIGHT_FILES[variant].find((file) => have.has(file));
    if (weights) return { files: [...files, weights, ...externalDataFiles(weights, available)], weights, variant };
  }
  const looked = variantOrder(options).flatMap((variant) => WEIGHT_FILES[variant]).join(', ');
  throw new HubError('unsupported', `${id} has no ${options.variant ?? 'usable'} ONNX weights (looked for ${looked}); its ONNX files: ${listing(onnxFiles)}`);
}
