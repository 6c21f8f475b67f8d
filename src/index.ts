/**
 * crossrank's public API: what users call and the types they need, each listed in the README's
 * Library section. Internals (the tokenizer, the model files, the runner) are not exported here;
 * tests and benchmarks import them from their modules.
 */
// Reranking
export {
  CrossEncoder,
  STARTER_MODEL_ID,
  type CrossEncoderOptions,
  type CrossEncoderInfo,
  type Device,
  type ModelVariant,
  type QueryDocumentPair,
  type RerankOptions,
  type RerankResult,
  type TruncationStrategy,
} from './rerank/crossEncoder.js';
export type { RerankDocument } from './rerank/documents.js';
// Late interaction (ColBERT), and one loader for any reranker
export { LateInteractionModel, type LateInteractionOptions, type LateInteractionInfo } from './rerank/lateInteraction.js';
export { maxSim, type TokenVectors } from './rerank/maxSim.js';
export { loadReranker, type Reranker, type RerankerInfo, type RerankerOptions } from './rerank/loadReranker.js';
export type { ChunkingOptions } from './rerank/chunking.js';
export type { Activation } from './rerank/activation.js';
export type { PairEncoding, TruncationDirection } from './tokenize/pairEncoder.js';
// LLM rerankers (Qwen3-Reranker, mxbai-rerank-v2, bge-reranker-v2-gemma): the yes/no answer of a causal LM
export { LlmReranker, type LlmRerankerOptions, type LlmRerankerInfo, type LlmScoreOptions, type LlmScores } from './rerank/llmReranker.js';
export type { LlmPromptFormat, PromptSegment } from './rerank/llmPromptFormats.js';
// A reranker behind a cross-request queue, for services of your own (the server's engine)
export { QueuedReranker, type QueueOptions, type ScoreRequest, type ScoredDocuments, type BatchReport } from './rerank/queuedReranker.js';
// Errors
export { CrossrankError, InputError, ModelFormatError, TooLongError, OverloadedError, NotReadyError, CancelledError } from './errors.js';
// The Hugging Face hub cache
export { resolveModelDir, listCachedModels, defaultCacheDir, HubError, type ResolveModelOptions, type HubOptions, type CachedModel, type HubErrorKind } from './hub/index.js';
// Embedding, indexing and search
export { BiEncoder, type BiEncoderOptions, type BiEncoderInfo } from './embed/biEncoder.js';
export type { PoolingMode } from './embed/pooling.js';
export type { Embedder } from './retrieve/embedder.js';
export { Index, type FirstStage, type IndexDocument, type IndexOpenOptions, type AddOptions } from './retrieve/searchIndex.js';
export type { ScoredId, StoredDocument } from './retrieve/stores/types.js';
export { Pipeline, type SearchOptions, type SearchHit, type PipelineOpenOptions, type Candidate } from './pipeline/pipeline.js';
// Evaluation
export { loadBeirDataset, readCorpus, type BeirDataset } from './eval/beir.js';
export { evaluatePipeline, type EvaluateOptions, type PipelineEvaluation, type EvaluatedRun } from './eval/evaluate.js';
export { evaluateRun, type Metrics, type Qrels, type Run, type RetrievedDocument, type RunEvaluation } from './eval/metrics.js';
