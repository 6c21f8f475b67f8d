// An independent float64 forward pass of a Qwen3ForCausalLM over one unpadded sequence, written
// from the transformers modeling code (RMSNorm, rotary positions with rotate_half, grouped-query
// attention with q/k norms, SwiGLU, tied output matrix), with plain loops: no ONNX, no batching,
// no cache, so it shares nothing with the code under test but the weights.
import type { Qwen3Spec, Qwen3Weights } from '../../scripts/model-gen/qwen3Weights.js';

type Vec = Float64Array;

function rmsNorm(x: Vec, w: Float32Array, eps: number): Vec {
  let sum = 0;
  for (const v of x) sum += v * v;
  const scale = 1 / Math.sqrt(sum / x.length + eps);
  return Float64Array.from(x, (v, i) => v * scale * w[i]);
}

/** x [in] times W [in, out] row-major. */
function matVec(x: Vec, w: Float32Array, out: number): Vec {
  const y = new Float64Array(out);
  for (let i = 0; i < x.length; i++) {
    const xi = x[i];
    for (let j = 0; j < out; j++) y[j] += xi * w[i * out + j];
  }
  return y;
}

function rotary(x: Vec, position: number, spec: Qwen3Spec): Vec {
  const half = spec.headDim / 2;
  const y = new Float64Array(x.length);
  for (let i = 0; i < half; i++) {
    const angle = position / spec.ropeTheta ** ((2 * i) / spec.headDim);
    const c = Math.cos(angle);
    const s = Math.sin(angle);
    y[i] = x[i] * c - x[i + half] * s;
    y[i + half] = x[i + half] * c + x[i] * s;
  }
  return y;
}

const head = (x: Vec, h: number, d: number): Vec => x.slice(h * d, (h + 1) * d);

/** The final hidden state (after the last norm) of the last token of `ids`, at positions 0.. */
export function qwen3LastHidden(weights: Qwen3Weights, spec: Qwen3Spec, ids: readonly number[]): Vec {
  const { hidden: H, heads, kvHeads, headDim: D, intermediate: I, rmsNormEps: eps } = spec;
  let states = ids.map((id) => Float64Array.from(weights.embed.subarray(id * H, (id + 1) * H)));
  for (const w of weights.layers) {
    const keys: Vec[][] = []; // [position][kvHead]
    const values: Vec[][] = [];
    const queries: Vec[][] = [];
    states.forEach((state, position) => {
      const x = rmsNorm(state, w.inputNorm, eps);
      const q = matVec(x, w.q, heads * D);
      const k = matVec(x, w.k, kvHeads * D);
      const v = matVec(x, w.v, kvHeads * D);
      queries.push(Array.from({ length: heads }, (_, h) => rotary(rmsNorm(head(q, h, D), w.qNorm, eps), position, spec)));
      keys.push(Array.from({ length: kvHeads }, (_, h) => rotary(rmsNorm(head(k, h, D), w.kNorm, eps), position, spec)));
      values.push(Array.from({ length: kvHeads }, (_, h) => head(v, h, D)));
    });
    states = states.map((state, position) => {
      const merged = new Float64Array(heads * D);
      for (let h = 0; h < heads; h++) {
        const kv = Math.floor(h / (heads / kvHeads));
        const scores = Array.from({ length: position + 1 }, (_, j) => {
          let dot = 0;
          for (let d = 0; d < D; d++) dot += queries[position][h][d] * keys[j][kv][d];
          return dot / Math.sqrt(D);
        });
        const top = Math.max(...scores);
        const exps = scores.map((s) => Math.exp(s - top));
        const total = exps.reduce((a, b) => a + b, 0);
        for (let j = 0; j <= position; j++) for (let d = 0; d < D; d++) merged[h * D + d] += (exps[j] / total) * values[j][kv][d];
      }
      const attended = matVec(merged, w.o, H).map((v, i) => v + state[i]);
      const x = rmsNorm(attended, w.postNorm, eps);
      const gate = matVec(x, w.gate, I);
      const up = matVec(x, w.up, I);
      const act = gate.map((g, i) => (g / (1 + Math.exp(-g))) * up[i]);
      return matVec(act, w.down, H).map((v, i) => v + attended[i]);
    });
  }
  return rmsNorm(states[states.length - 1], weights.finalNorm, eps);
}

/** The logit of each of `tokenIds` at the last position (the tied output matrix's rows). */
export function qwen3LastLogits(weights: Qwen3Weights, spec: Qwen3Spec, ids: readonly number[], tokenIds: readonly number[]): number[] {
  const hidden = qwen3LastHidden(weights, spec, ids);
  return tokenIds.map((t) => {
    let dot = 0;
    for (let i = 0; i < spec.hidden; i++) dot += hidden[i] * weights.embed[t * spec.hidden + i];
    return dot;
  });
}

/** P(yes) = softmax over (no, yes) logits at the last position, as the Qwen3-Reranker card computes it. */
export function qwen3YesProbability(weights: Qwen3Weights, spec: Qwen3Spec, ids: readonly number[], yesId: number, noId: number): number {
  const [yes, no] = qwen3LastLogits(weights, spec, ids, [yesId, noId]);
  return 1 / (1 + Math.exp(no - yes));
}
