import assert from 'node:assert/strict';
import type { LateInteractionModel } from '../../src/rerank/lateInteraction.js';
import { referenceMaxSim } from '../reference/colbertReference.js';

/**
 * Asserts that a late-interaction model's query vectors, and its MaxSim scores (from stored
 * vectors and from `score`), equal the float64 reference within 1e-4. `referenceQuery` gives a
 * query's reference vectors (every position), `referenceDocument` a document's kept ones.
 */
export async function assertMatchesReference(
  engine: LateInteractionModel,
  queries: readonly string[],
  documents: readonly string[],
  referenceQuery: (query: string) => Promise<number[][]>,
  referenceDocument: (document: string) => Promise<number[][]>,
): Promise<void> {
  const dim = engine.info.dimension;
  const queryVectors = await engine.encodeQueries(queries);
  const documentVectors = await engine.encodeDocuments(documents);
  // One at a time: the oracle's truncation length is state shared by its calls.
  const referenceDocuments: number[][][] = [];
  for (const document of documents) referenceDocuments.push(await referenceDocument(document));
  for (const [qi, query] of queries.entries()) {
    const reference = await referenceQuery(query);
    assert.equal(queryVectors[qi].count, engine.info.queryMaxLength, 'every query position keeps its vector');
    assert.equal(queryVectors[qi].dimension, dim);
    for (let t = 0; t < reference.length; t++) {
      for (let c = 0; c < dim; c++) {
        assert.ok(Math.abs(queryVectors[qi].data[t * dim + c] - reference[t][c]) < 1e-4, `${query}: vector ${t}[${c}]`);
      }
    }
    const scores = engine.scoreVectors(queryVectors[qi], documentVectors);
    const pairScores = await engine.score(documents.map((document) => [query, document] as const));
    documents.forEach((document, di) => {
      assert.equal(documentVectors[di].count, referenceDocuments[di].length, `${document}: kept vectors`);
      const expected = referenceMaxSim(reference, referenceDocuments[di]);
      assert.ok(Math.abs(scores[di] - expected) < 1e-4, `${query} / ${document}: ${scores[di]} vs ${expected}`);
      assert.ok(Math.abs(pairScores[di] - expected) < 1e-4, `score(): ${pairScores[di]} vs ${expected}`);
    });
  }
}
