/**
 * The spec and seeded random weights of a Qwen3 causal LM (Qwen3ForCausalLM): RMSNorm, rotary
 * positions, grouped-query attention with RMSNorm on each head's queries and keys, SwiGLU, and
 * the output matrix tied to the embeddings. Matrices are stored [in, out] row-major, the layout
 * of the exporter's MatMul weights, and shared by the ONNX writer and the float64 reference.
 */
import { createRng, normalArray, type Rng } from './rng.js';

export interface Qwen3Spec {
  vocabSize: number;
  hidden: number;
  layers: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  intermediate: number;
  ropeTheta: number;
  rmsNormEps: number;
  maxPositions: number;
  seed: number;
}

export interface Qwen3LayerWeights {
  inputNorm: Float32Array;
  q: Float32Array; // [hidden, heads * headDim]
  k: Float32Array; // [hidden, kvHeads * headDim]
  v: Float32Array; // [hidden, kvHeads * headDim]
  o: Float32Array; // [heads * headDim, hidden]
  qNorm: Float32Array; // [headDim]
  kNorm: Float32Array; // [headDim]
  postNorm: Float32Array;
  gate: Float32Array; // [hidden, intermediate]
  up: Float32Array; // [hidden, intermediate]
  down: Float32Array; // [intermediate, hidden]
}

export interface Qwen3Weights {
  /** [vocab, hidden]; the output matrix is its transpose (tie_word_embeddings). */
  embed: Float32Array;
  layers: Qwen3LayerWeights[];
  finalNorm: Float32Array;
}

export function validateQwen3Spec(spec: Qwen3Spec): void {
  if (spec.heads % spec.kvHeads !== 0) throw new Error('qwen3: heads must be a multiple of kvHeads');
  if (spec.headDim % 2 !== 0) throw new Error('qwen3: headDim must be even (rotary halves)');
}

/** Norm weights near 1 (not exactly, so that a missing norm would change the scores). */
const normWeights = (rng: Rng, length: number) => normalArray(rng, length, 0.1, 1);

export function generateQwen3Weights(spec: Qwen3Spec): Qwen3Weights {
  validateQwen3Spec(spec);
  const rng = createRng(spec.seed);
  const { hidden: h, heads, kvHeads, headDim, intermediate } = spec;
  // ~1/sqrt(fan-in): activations stay of unit size through the layers, so the yes/no gap varies with the input.
  const proj = (fanIn: number, fanOut: number) => normalArray(rng, fanIn * fanOut, 1 / Math.sqrt(fanIn));
  const embed = normalArray(rng, spec.vocabSize * h, 0.12);
  const layers: Qwen3LayerWeights[] = [];
  for (let i = 0; i < spec.layers; i++) {
    layers.push({
      inputNorm: normWeights(rng, h),
      q: proj(h, heads * headDim),
      k: proj(h, kvHeads * headDim),
      v: proj(h, kvHeads * headDim),
      o: proj(heads * headDim, h),
      qNorm: normWeights(rng, headDim),
      kNorm: normWeights(rng, headDim),
      postNorm: normWeights(rng, h),
      gate: proj(h, intermediate),
      up: proj(h, intermediate),
      down: proj(intermediate, h),
    });
  }
  return { embed, layers, finalNorm: normWeights(rng, h) };
}
