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
export { STARTER_MODEL_ID, STARTER_MODEL_DIR } from './model/starterModel.js';
export { MODEL_VARIANTS, locateModelFiles, type Device, type ModelFiles, type ModelVariant } from './model/index.js';
export { CrossrankError, InputError, ModelFormatError } from './errors.js';
export { pairScores, type EncodedPairs, type EncodePairsOptions } from './rerank/encodedPairs.js';
export type { TruncationDirection } from './tokenize/pairEncoder.js';
export { resolveModelDir, listCachedModels, defaultCacheDir, HubError, type ResolveModelOptions, type HubOptions, type CachedModel, type HubErrorKind } from './hub/index.js';
export { BiEncoder, type BiEncoderOptions, type BiEncoderInfo } from './embed/biEncoder.js';
export { POOLING_MODES, type PoolingMode } from './embed/pooling.js';
export { Index, FIRST_STAGES, type FirstStage, type IndexDocument, type IndexOpenOptions, type AddOptions } from './retrieve/searchIndex.js';
export { Pipeline, type SearchOptions, type SearchHit, type PipelineOpenOptions } from './pipeline/pipeline.js';
export type { IndexSettings, ScoredId, StoredDocument } from './retrieve/stores/types.js';
export { evaluateRun, evaluateQuery, METRIC_NAMES, type Metrics, type Qrels, type Run, type RetrievedDocument, type RunEvaluation } from './eval/metrics.js';
export { loadBeirDataset, readCorpus, readQueries, readQrels, type BeirDataset } from './eval/beir.js';
export { formatTrecRun } from './eval/trecRun.js';
