/**
 * The catalogue of generated test models: architecture spec, tokenizer and which
 * precisions get written.
 */
import type { EmbeddingOutput } from './bertGraph.js';
import type { BertSpec } from './bertWeights.js';
import { ROBERTA_BPE_VOCAB_SIZE } from './robertaBpe.js';

export type TokenizerKind = 'bert-base-uncased' | 'roberta-bpe';

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

export interface TestModelDef {
  spec: BertSpec;
  tokenizer: TokenizerKind;
  /** Also write onnx/model_quantized.onnx (int8, MatMulInteger pattern). */
  int8: boolean;
  /** Present for embedding models (no classifier head); absent for cross-encoders. */
  embedding?: EmbeddingDef;
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

export const TEST_MODELS = {
  'tiny-bert': { spec: TINY_BERT, tokenizer: 'bert-base-uncased', int8: true },
  'tiny-bert-2label': { spec: { ...TINY_BERT, numLabels: 2, seed: 2002 }, tokenizer: 'bert-base-uncased', int8: false },
  // Two labels whose logits lie far apart (gaps of tens): a probability of 1 in float64, so a raw
  // score rebuilt from it would be infinite.
  'tiny-bert-2label-wide': { spec: { ...TINY_BERT, numLabels: 2, seed: 2002, classifierStd: 30 }, tokenizer: 'bert-base-uncased', int8: false },
  'tiny-roberta': {
    spec: {
      arch: 'roberta',
      vocabSize: ROBERTA_BPE_VOCAB_SIZE,
      hidden: 32,
      layers: 2,
      heads: 4,
      intermediate: 64,
      // Positions start at padTokenId + 1, so 512 tokens need 514 rows, as in roberta-base.
      maxPositions: 514,
      typeVocabSize: 1,
      numLabels: 1,
      padTokenId: 1,
      layerNormEps: 1e-5,
      seed: 3003,
      weightStd: 0.3,
    },
    tokenizer: 'roberta-bpe',
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
  // The exact architecture of cross-encoder/ms-marco-MiniLM-L-6-v2, for benchmarks.
  'minilm-l6-bench': {
    spec: {
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
    },
    tokenizer: 'bert-base-uncased',
    int8: true,
  },
  // The shape of the shipped starter model (training/train.py's defaults) with BERT's random
  // initialisation: the floor that `npm run starter:eval` shows the trained model must beat.
  'starter-floor': {
    spec: {
      arch: 'bert',
      vocabSize: BERT_VOCAB_SIZE,
      hidden: 100,
      layers: 2,
      heads: 4,
      intermediate: 400,
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
