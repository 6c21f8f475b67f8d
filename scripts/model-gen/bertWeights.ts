/**
 * Deterministic random weights for a BERT / (XLM-)RoBERTa sequence-classification model.
 *
 * Every tensor draws from its own stream seeded by (spec.seed, tensor name), so a tensor's
 * values do not depend on the sizes of the tensors generated before it.
 *
 * Scales are chosen so the network is far from trivial: LayerNorm keeps activations
 * O(1), attention scores have O(1) spread (softmax neither uniform nor one-hot), and
 * logits spread over several units, so a 1e-4 comparison exercises real arithmetic.
 */
import { createRng, hashString, normalArray } from './rng.js';

export interface BertSpec {
  /**
   * 'bert': token_type_ids input, positions from 0. 'roberta': no token_type_ids, positions from
   * input_ids != pad (XLM-RoBERTa). 'no-token-types': BERT layers with positions from 0 and only
   * input_ids and attention_mask as inputs: the inputs of ModernBERT and DeBERTa-v3 exports (their
   * own attention is not reproduced; what crossrank feeds and reads is the same).
   */
  arch: 'bert' | 'roberta' | 'no-token-types';
  vocabSize: number;
  hidden: number;
  layers: number;
  heads: number;
  intermediate: number;
  maxPositions: number;
  typeVocabSize: number;
  numLabels: number;
  padTokenId: number;
  layerNormEps: number;
  seed: number;
  /** Std of the dense (MatMul) weights; the embeddings and classifier have their own scales. */
  weightStd: number;
  /** Std of the classifier weights; default 1. Large values give logits far apart (a gap above 40). */
  classifierStd?: number;
}

/**
 * Weights of one encoder layer. Dense weights are stored [in, out] row-major, i.e. the
 * transpose of torch.nn.Linear.weight, ready to be the B input of MatMul(x, B).
 */
export interface BertLayerWeights {
  /** [hidden, hidden] */ queryW: Float32Array;
  /** [hidden] */ queryB: Float32Array;
  /** [hidden, hidden] */ keyW: Float32Array;
  /** [hidden] */ keyB: Float32Array;
  /** [hidden, hidden] */ valueW: Float32Array;
  /** [hidden] */ valueB: Float32Array;
  /** [hidden, hidden] attention output projection */ attnOutW: Float32Array;
  /** [hidden] */ attnOutB: Float32Array;
  /** [hidden] */ attnLnGamma: Float32Array;
  /** [hidden] */ attnLnBeta: Float32Array;
  /** [hidden, intermediate] */ ffnInW: Float32Array;
  /** [intermediate] */ ffnInB: Float32Array;
  /** [intermediate, hidden] */ ffnOutW: Float32Array;
  /** [hidden] */ ffnOutB: Float32Array;
  /** [hidden] */ outLnGamma: Float32Array;
  /** [hidden] */ outLnBeta: Float32Array;
}

export interface BertWeights {
  /** [vocabSize, hidden] */ wordEmbeddings: Float32Array;
  /** [maxPositions, hidden] */ positionEmbeddings: Float32Array;
  /** [typeVocabSize, hidden] */ tokenTypeEmbeddings: Float32Array;
  /** [hidden] */ embLnGamma: Float32Array;
  /** [hidden] */ embLnBeta: Float32Array;
  /** one entry per layer */ layers: BertLayerWeights[];
  /** [hidden, hidden] (in, out) */ poolerW: Float32Array;
  /** [hidden] */ poolerB: Float32Array;
  /** [hidden, numLabels] (in, out) */ classifierW: Float32Array;
  /** [numLabels] */ classifierB: Float32Array;
}

/** Embedding scales relative to each other; LayerNorm removes the overall scale. */
const WORD_STD = 1.0;
const POSITION_STD = 0.5;
/** Larger than the words so a wrong token_type_id moves the score visibly. */
const TOKEN_TYPE_STD = 1.5;
const GAMMA_SPREAD = 0.2;
const BETA_STD = 0.1;
const BIAS_STD = 0.1;
const CLASSIFIER_STD = 1.0;

export function validateSpec(spec: BertSpec): void {
  if (spec.hidden % spec.heads !== 0) throw new Error(`hidden ${spec.hidden} is not divisible by heads ${spec.heads}`);
  if (spec.arch !== 'bert' && spec.typeVocabSize < 1) throw new Error(`${spec.arch} needs typeVocabSize >= 1`);
  if (spec.arch === 'bert' && spec.typeVocabSize < 2) throw new Error('bert needs typeVocabSize >= 2 for pairs');
  if (spec.padTokenId < 0 || spec.padTokenId >= spec.vocabSize) throw new Error('padTokenId out of vocabulary');
}

export function generateWeights(spec: BertSpec): BertWeights {
  validateSpec(spec);
  const { hidden: h, intermediate: ff } = spec;

  const normal = (name: string, length: number, std: number, mean = 0): Float32Array =>
    normalArray(createRng(hashString(name, spec.seed)), length, std, mean);
  // Gamma = 1 + U(-spread, spread): around 1 like a trained model, but not the identity.
  const gamma = (name: string): Float32Array => {
    const rng = createRng(hashString(name, spec.seed));
    return Float32Array.from({ length: h }, () => 1 + GAMMA_SPREAD * (2 * rng.uniform() - 1));
  };

  const layers: BertLayerWeights[] = [];
  for (let l = 0; l < spec.layers; l++) {
    const p = `layer.${l}.`;
    layers.push({
      queryW: normal(`${p}query.weight`, h * h, spec.weightStd),
      queryB: normal(`${p}query.bias`, h, BIAS_STD),
      keyW: normal(`${p}key.weight`, h * h, spec.weightStd),
      keyB: normal(`${p}key.bias`, h, BIAS_STD),
      valueW: normal(`${p}value.weight`, h * h, spec.weightStd),
      valueB: normal(`${p}value.bias`, h, BIAS_STD),
      attnOutW: normal(`${p}attention.output.dense.weight`, h * h, spec.weightStd),
      attnOutB: normal(`${p}attention.output.dense.bias`, h, BIAS_STD),
      attnLnGamma: gamma(`${p}attention.output.LayerNorm.weight`),
      attnLnBeta: normal(`${p}attention.output.LayerNorm.bias`, h, BETA_STD),
      ffnInW: normal(`${p}intermediate.dense.weight`, h * ff, spec.weightStd),
      ffnInB: normal(`${p}intermediate.dense.bias`, ff, BIAS_STD),
      ffnOutW: normal(`${p}output.dense.weight`, ff * h, spec.weightStd),
      ffnOutB: normal(`${p}output.dense.bias`, h, BIAS_STD),
      outLnGamma: gamma(`${p}output.LayerNorm.weight`),
      outLnBeta: normal(`${p}output.LayerNorm.bias`, h, BETA_STD),
    });
  }

  return {
    wordEmbeddings: normal('embeddings.word_embeddings', spec.vocabSize * h, WORD_STD),
    positionEmbeddings: normal('embeddings.position_embeddings', spec.maxPositions * h, POSITION_STD),
    tokenTypeEmbeddings: normal('embeddings.token_type_embeddings', spec.typeVocabSize * h, TOKEN_TYPE_STD),
    embLnGamma: gamma('embeddings.LayerNorm.weight'),
    embLnBeta: normal('embeddings.LayerNorm.bias', h, BETA_STD),
    layers,
    poolerW: normal('pooler.dense.weight', h * h, spec.weightStd),
    poolerB: normal('pooler.dense.bias', h, BIAS_STD),
    classifierW: normal('classifier.weight', h * spec.numLabels, spec.classifierStd ?? CLASSIFIER_STD),
    classifierB: normal('classifier.bias', spec.numLabels, BIAS_STD),
  };
}
