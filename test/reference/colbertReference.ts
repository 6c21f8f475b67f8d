/**
 * ColBERT's vectors and MaxSim in float64, written from colbert-ai's math (Linear without bias on
 * each token's hidden state, L2 normalisation, sum over query vectors of the best dot product), on
 * top of the reference forward pass. Checks the engine's vectors and scores.
 */

/** states [tokens][hidden] through a [hidden, dim] projection, each row scaled to unit norm. */
export function referenceColbertVectors(states: number[][], projection: Float32Array, dim: number): number[][] {
  return states.map((state) => {
    const vector = new Array<number>(dim).fill(0);
    state.forEach((x, k) => {
      for (let c = 0; c < dim; c++) vector[c] += x * projection[k * dim + c];
    });
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
