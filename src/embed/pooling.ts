/**
 * Pooling of token states into one vector per text, as sentence-transformers' Pooling module does:
 * - `mean`: the mean of the states whose attention mask is 1 (padding is left out);
 * - `cls`: the first token's state;
 * - `max`: the element-wise maximum over the unpadded states.
 * Several modes are concatenated in the order given (sentence-transformers' order is cls, max, mean).
 */
export type PoolingMode = 'mean' | 'cls' | 'max';

export const POOLING_MODES: readonly PoolingMode[] = ['mean', 'cls', 'max'];

/**
 * Pools rows of a [rows, width, hidden] float32 tensor: row r has `lengths[r]` real tokens
 * (right padding after them, as crossrank pads). Returns one vector of hidden x modes per row.
 */
export function poolTokenStates(
  states: Float32Array,
  dims: readonly [rows: number, width: number, hidden: number],
  lengths: readonly number[],
  modes: readonly PoolingMode[],
): Float32Array[] {
  const [rows, width, hidden] = dims;
  const out: Float32Array[] = [];
  for (let row = 0; row < rows; row++) {
    const length = lengths[row];
    const vector = new Float32Array(hidden * modes.length);
    const base = row * width * hidden;
    modes.forEach((mode, m) => {
      const offset = m * hidden;
      if (mode === 'cls') {
        for (let c = 0; c < hidden; c++) vector[offset + c] = states[base + c];
        return;
      }
      // Sums in float64: a long text's mean should not depend on float32 rounding order.
      const acc = new Float64Array(hidden).fill(mode === 'max' ? Number.NEGATIVE_INFINITY : 0);
      for (let t = 0; t < length; t++) {
        const tokenBase = base + t * hidden;
        if (mode === 'max') {
          for (let c = 0; c < hidden; c++) if (states[tokenBase + c] > acc[c]) acc[c] = states[tokenBase + c];
        } else {
          for (let c = 0; c < hidden; c++) acc[c] += states[tokenBase + c];
        }
      }
      // sentence-transformers clamps the token count at 1e-9; a row always has its special tokens.
      const divisor = mode === 'mean' ? Math.max(length, 1e-9) : 1;
      for (let c = 0; c < hidden; c++) vector[offset + c] = acc[c] / divisor;
    });
    out.push(vector);
  }
  return out;
}

/** Scales a vector to unit L2 norm in place, as torch.nn.functional.normalize (eps 1e-12). */
export function l2Normalize(vector: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < vector.length; i++) sum += vector[i] * vector[i];
  const norm = Math.max(Math.sqrt(sum), 1e-12);
  for (let i = 0; i < vector.length; i++) vector[i] /= norm;
  return vector;
}
