/** One vector per token, row-major: `count` vectors of `dimension` numbers. */
export interface TokenVectors {
  data: Float32Array;
  count: number;
  dimension: number;
}

/**
 * ColBERT's late-interaction score: for each query vector the largest dot product with any of the
 * document's vectors, summed over the query vectors. A document without vectors scores 0 per query
 * vector, as colbert-ai's zero padding does.
 */
export function maxSim(query: TokenVectors, document: TokenVectors): number {
  if (query.dimension !== document.dimension) throw new Error(`maxSim: query vectors have ${query.dimension} dimensions, document vectors ${document.dimension}`);
  const dim = query.dimension;
  const q = query.data;
  const d = document.data;
  let total = 0;
  for (let i = 0; i < query.count; i++) {
    let best = document.count === 0 ? 0 : Number.NEGATIVE_INFINITY;
    const qi = i * dim;
    for (let j = 0; j < document.count; j++) {
      const dj = j * dim;
      let dot = 0;
      for (let c = 0; c < dim; c++) dot += q[qi + c] * d[dj + c];
      if (dot > best) best = dot;
    }
    total += best;
  }
  return total;
}
