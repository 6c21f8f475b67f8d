/**
 * crossrank's public API. Lower layers (model, tokenize) are exported for tools that need the exact
 * encoding or the model files; most users need only CrossEncoder.
 */
export {
  CrossEncoder,
  type CrossEncoderOptions,
  type CrossEncoderInfo,
  type QueryDocumentPair,
  type RerankOptions,
  type RerankResult,
} from './rerank/crossEncoder.js';
export type { RerankDocument } from './rerank/documents.js';
export type { ChunkingOptions } from './rerank/chunking.js';
export { ACTIVATIONS, type Activation } from './rerank/activation.js';
export { PairEncoder, type PairEncoding, type TextTokens } from './tokenize/pairEncoder.js';
export { TRUNCATION_STRATEGIES, type TruncationStrategy } from './tokenize/truncation.js';
export { MODEL_VARIANTS, locateModelFiles, type Device, type ModelFiles, type ModelVariant } from './model/index.js';
export { CrossrankError, InputError, ModelFormatError } from './errors.js';
