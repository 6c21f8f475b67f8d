/**
 * The catalogue of generated test models: architecture spec, tokenizer and which
 * precisions get written.
 */
import type { EmbeddingOutput } from './bertGraph.js';
import type { BertSpec } from './bertWeights.js';
import { MODERNBERT_BPE_VOCAB_SIZE } from './modernbertBpe.js';
import { ROBERTA_BPE_VOCAB_SIZE } from './robertaBpe.js';

/** Vocabulary sizes of the tokenizers converted from the committed spm_train fixtures (checked when written). */
export const XLMR_SPM_VOCAB_SIZE = 2338;
export const DEBERTAV3_SPM_VOCAB_SIZE = 2338;

export type TokenizerKind = 'bert-base-uncased' | 'roberta-bpe' | 'xlmr-spm' | 'debertav3-spm' | 'modernbert-bpe';

/** A sentence-transformers embedding model: the bare encoder plus the files that say how to pool it. */
export interface EmbeddingDef {
  output: EmbeddingOutput;
  /** 1_Pooling/config.json (the graph itself pools only when output is sentence_embedding, and then by mean). */
  pooling: 'mean' | 'cls' | 'max';
  /** modules.json lists a Normalize module. */
  normalize: boolean;
  /** sentence_bert_config.json max_seq_length. */
  maxSeqLength: number;
  /** config_sentence_transformers.json prompts (e5-style prefixes), if any. */
  prompts?: { query: string; document: string };
}

/** The hub family whose config.json and tokenizer layout a model has (default: from spec.arch). */
export type ModelFamily = 'bert' | 'xlm-roberta' | 'modernbert' | 'deberta-v2';

/**
 * A ColBERT model (late interaction): the bare encoder plus a bias-free linear projection of each
 * token's state to `dim`, with colbert-ai's settings in artifact.metadata.
 * - `hf-colbert`: colbert-ir/colbertv2.0's layout: config.json architectures HF_ColBERT, onnx/model.onnx,
 *   output `last_hidden_state` (already projected);
 * - `vespa`: answerdotai/answerai-colbert-small-v1's: vespa_colbert.onnx at the root, inputs
 *   input_ids and attention_mask only, output `contextual`;
 * - `pylate`: a PyLate export (lightonai/colbertv2.0's settings): config.json BertModel, the settings
 *   in config_sentence_transformers.json (query_prefix, query_length, skiplist_words, ...), no
 *   artifact.metadata, output `output`;
 * - `jina`: jinaai/jina-colbert-v2's conventions: an XLM-RoBERTa encoder (input_ids and
 *   attention_mask only, positions from input_ids != <pad>), the markers `[QueryMarker]` and
 *   `[DocumentMarker]` added to the tokenizer after `<mask>`, no settings file, onnx/model.onnx.
 */
export interface ColbertDef {
  layout: 'hf-colbert' | 'vespa' | 'pylate' | 'jina';
  dim: number;
  queryMaxlen: number;
  docMaxlen: number;
  attendToMaskTokens: boolean;
}

export interface TestModelDef {
  spec: BertSpec;
  family?: ModelFamily;
  tokenizer: TokenizerKind;
  /** Also write onnx/model_quantized.onnx (int8, MatMulInteger pattern). */
  int8: boolean;
  /** Present for embedding models (no classifier head); absent for cross-encoders. */
  embedding?: EmbeddingDef;
  /** Present for late-interaction (ColBERT) models. */
  colbert?: ColbertDef;
  /** Large: written only when asked for by name (`npm run models -- --only`, the benchmark), never by default. */
  onDemand?: boolean;
}

const BERT_VOCAB_SIZE = 30522;

const TINY_BERT: BertSpec = {
  arch: 'bert',
  vocabSize: BERT_VOCAB_SIZE,
  hidden: 32,
  layers: 2,
  heads: 4,
  intermediate: 64,
  maxPositions: 512,
  typeVocabSize: 2,
  numLabels: 1,
  padTokenId: 0,
  layerNormEps: 1e-12,
  seed: 1001,
  // ~1.7/sqrt(hidden): pre-activations of a few units, attention clearly peaked, so the
  // score depends strongly on the input (logit std across random inputs ~1.4) instead of
  // being dominated by the [CLS] token's own constant embedding.
  weightStd: 0.3,
};

/** RoBERTa-style test models: no token types, positions from pad id 1 + 1 (514 rows hold 512 tokens). */
const TINY_ROBERTA: BertSpec = {
  arch: 'roberta',
  vocabSize: ROBERTA_BPE_VOCAB_SIZE,
  hidden: 32,
  layers: 2,
  heads: 4,
  intermediate: 64,
  maxPositions: 514,
  typeVocabSize: 1,
  numLabels: 1,
  padTokenId: 1,
  layerNormEps: 1e-5,
  seed: 3003,
  weightStd: 0.3,
};

/** The exact architecture of cross-encoder/ms-marco-MiniLM-L-6-v2 (6 layers, hidden 384, 12 heads, FFN 1536). */
const MINILM_L6: BertSpec = {
  arch: 'bert',
  vocabSize: BERT_VOCAB_SIZE,
  hidden: 384,
  layers: 6,
  heads: 12,
  intermediate: 1536,
  maxPositions: 512,
  typeVocabSize: 2,
  numLabels: 1,
  padTokenId: 0,
  layerNormEps: 1e-12,
  seed: 4004,
  weightStd: 0.02,
};

export const TEST_MODELS = {
  'tiny-bert': { spec: TINY_BERT, tokenizer: 'bert-base-uncased', int8: true },
  'tiny-bert-2label': { spec: { ...TINY_BERT, numLabels: 2, seed: 2002 }, tokenizer: 'bert-base-uncased', int8: false },
  // Two labels whose logits lie far apart (gaps of tens): a probability of 1 in float64, so a raw
  // score rebuilt from it would be infinite.
  'tiny-bert-2label-wide': { spec: { ...TINY_BERT, numLabels: 2, seed: 2002, classifierStd: 30 }, tokenizer: 'bert-base-uncased', int8: false },
  'tiny-roberta': { spec: TINY_ROBERTA, tokenizer: 'roberta-bpe', int8: false },
  // XLM-RoBERTa (BAAI/bge-reranker-*): the sentencepiece tokenizer converted from a real spm_train
  // model, positions from input_ids != <pad> (id 1), one label.
  'tiny-xlmr': {
    spec: { ...TINY_ROBERTA, vocabSize: XLMR_SPM_VOCAB_SIZE, seed: 8008 },
    family: 'xlm-roberta',
    tokenizer: 'xlmr-spm',
    int8: false,
  },
  // The inputs of Alibaba-NLP/gte-reranker-modernbert-base's export (input_ids, attention_mask;
  // [PAD] is id 1022, not 0), 8,192 positions.
  'tiny-modernbert': {
    spec: { ...TINY_ROBERTA, arch: 'no-token-types', vocabSize: MODERNBERT_BPE_VOCAB_SIZE, maxPositions: 8192, padTokenId: 1022, seed: 9009 },
    family: 'modernbert',
    tokenizer: 'modernbert-bpe',
    int8: false,
  },
  // The inputs of mixedbread-ai/mxbai-rerank-*-v1 exports (DeBERTa-v3: type_vocab_size 0, so no
  // token_type_ids), its sentencepiece layout; a two-label head, to cover that head on these inputs.
  'tiny-debertav3': {
    spec: { ...TINY_ROBERTA, arch: 'no-token-types', vocabSize: DEBERTAV3_SPM_VOCAB_SIZE, maxPositions: 512, numLabels: 2, padTokenId: 0, layerNormEps: 1e-7, seed: 1116 },
    family: 'deberta-v2',
    tokenizer: 'debertav3-spm',
    int8: false,
  },
  // Embedding models in the sentence-transformers layout (1_Pooling, modules.json with Normalize).
  'tiny-embed': {
    spec: { ...TINY_BERT, seed: 5005 },
    tokenizer: 'bert-base-uncased',
    int8: false,
    embedding: {
      output: 'last_hidden_state',
      pooling: 'mean',
      normalize: true,
      maxSeqLength: 128,
      prompts: { query: 'query: ', document: 'passage: ' },
    },
  },
  // Pools and normalises inside the graph and returns sentence_embedding, as some exports do.
  'tiny-embed-pooled': {
    spec: { ...TINY_BERT, seed: 6006 },
    tokenizer: 'bert-base-uncased',
    int8: false,
    embedding: { output: 'sentence_embedding', pooling: 'mean', normalize: true, maxSeqLength: 128 },
  },
  // Late interaction in colbert-ir/colbertv2.0's layout (dim 128 there), small lengths so tests cut queries and documents.
  'tiny-colbert': {
    spec: { ...TINY_BERT, seed: 1313 },
    tokenizer: 'bert-base-uncased',
    int8: false,
    colbert: { layout: 'hf-colbert', dim: 16, queryMaxlen: 12, docMaxlen: 24, attendToMaskTokens: false },
  },
  // answerai-colbert-small-v1's Vespa export (dim 96 there): no token_type_ids input, output `contextual`.
  'tiny-colbert-vespa': {
    spec: { ...TINY_BERT, arch: 'no-token-types', seed: 1414 },
    family: 'bert',
    tokenizer: 'bert-base-uncased',
    int8: false,
    colbert: { layout: 'vespa', dim: 12, queryMaxlen: 16, docMaxlen: 20, attendToMaskTokens: true },
  },
  // A PyLate export: settings from config_sentence_transformers.json only.
  'tiny-colbert-pylate': {
    spec: { ...TINY_BERT, seed: 1515 },
    tokenizer: 'bert-base-uncased',
    int8: false,
    colbert: { layout: 'pylate', dim: 8, queryMaxlen: 10, docMaxlen: 18, attendToMaskTokens: false },
  },
  // jinaai/jina-colbert-v2's layout (dim 128 there, Matryoshka cuts to 96 and 64): tiny-xlmr's
  // tokenizer plus the two marker tokens; jina's query length 32 and colbert-ai's document length 180.
  'tiny-colbert-jina': {
    spec: { ...TINY_ROBERTA, vocabSize: XLMR_SPM_VOCAB_SIZE + 2, seed: 1616 },
    family: 'xlm-roberta',
    tokenizer: 'xlmr-spm',
    int8: false,
    colbert: { layout: 'jina', dim: 16, queryMaxlen: 32, docMaxlen: 180, attendToMaskTokens: true },
  },
  // The exact architecture of cross-encoder/ms-marco-MiniLM-L-6-v2, for benchmarks.
  'minilm-l6-bench': {
    spec: MINILM_L6,
    tokenizer: 'bert-base-uncased',
    int8: true,
  },
  // A ColBERT model of the same size (the encoder of minilm-l6-bench, projected to dim 96 as
  // answerdotai/answerai-colbert-small-v1 is; colbert-ai's default lengths 32 and 180), for the
  // late-interaction benchmark.
  'colbert-minilm-l6-bench': {
    spec: { ...MINILM_L6, seed: 4005 },
    tokenizer: 'bert-base-uncased',
    int8: false,
    colbert: { layout: 'hf-colbert', dim: 96, queryMaxlen: 32, docMaxlen: 180, attendToMaskTokens: false },
    onDemand: true,
  },
  // The size of BAAI/bge-reranker-base (XLM-RoBERTa: 12 layers, hidden 768, 12 heads, FFN 3072,
  // 250,002-token vocabulary, 514 positions, 1 label; about 1.1 GB of fp32 weights), for the
  // benchmark. Its tokenizer is tiny-xlmr's (ids fit the vocabulary; the real one has 250,002 pieces).
  'bge-reranker-base-bench': {
    spec: {
      arch: 'roberta',
      vocabSize: 250002,
      hidden: 768,
      layers: 12,
      heads: 12,
      intermediate: 3072,
      maxPositions: 514,
      typeVocabSize: 1,
      numLabels: 1,
      padTokenId: 1,
      layerNormEps: 1e-5,
      seed: 1212,
      weightStd: 0.02,
    },
    family: 'xlm-roberta',
    tokenizer: 'xlmr-spm',
    int8: false,
    onDemand: true,
  },
  // The shape of the shipped starter model (training/reproduce.sh's staged recipe) with BERT's
  // random initialisation: the floor that `npm run starter:eval` shows the trained model must beat.
  'starter-floor': {
    spec: {
      arch: 'bert',
      vocabSize: BERT_VOCAB_SIZE,
      hidden: 128,
      layers: 3,
      heads: 4,
      intermediate: 512,
      maxPositions: 128,
      typeVocabSize: 2,
      numLabels: 1,
      padTokenId: 0,
      layerNormEps: 1e-12,
      seed: 7007,
      weightStd: 0.02,
    },
    tokenizer: 'bert-base-uncased',
    int8: false,
  },
} as const satisfies Record<string, TestModelDef>;

export type TestModelName = keyof typeof TEST_MODELS;

export function isTestModelName(name: string): name is TestModelName {
  return Object.hasOwn(TEST_MODELS, name);
}

export function getTestModel(name: TestModelName): TestModelDef {
  return TEST_MODELS[name];
}
