/**
 * ColBERT's vectors and MaxSim in float64, written from colbert-ai's math (Linear without bias on
 * each token's hidden state, L2 normalisation, sum over query vectors of the best dot product), on
 * top of the reference forward pass. Checks the engine's vectors and scores.
 */

/**
 * states [tokens][hidden] through a [hidden, dim] projection, each row cut to its first `keep`
 * components (a Matryoshka dimension; all by default) and scaled to unit norm.
 */
export function referenceColbertVectors(states: number[][], projection: Float32Array, dim: number, keep = dim): number[][] {
  return states.map((state) => {
    const full = new Array<number>(dim).fill(0);
    state.forEach((x, k) => {
      for (let c = 0; c < dim; c++) full[c] += x * projection[k * dim + c];
    });
    const vector = full.slice(0, keep);
    const norm = Math.sqrt(vector.reduce((sum, v) => sum + v * v, 0));
    return vector.map((v) => v / norm);
  });
}

export function referenceMaxSim(query: number[][], document: number[][]): number {
  let total = 0;
  for (const q of query) {
    let best = -Infinity;
    for (const d of document) best = Math.max(best, q.reduce((sum, v, c) => sum + v * d[c], 0));
    total += best;
  }
  return total;
}
