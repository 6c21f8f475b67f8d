/**
 * The parts of a generated ColBERT model beyond its encoder: the projection weights and the
 * settings files colbert-ai writes (artifact.metadata), shared by the writer and the tests'
 * reference so both use the same numbers.
 */
import type { BertSpec } from './bertWeights.js';
import { createRng, hashString, normalArray } from './rng.js';
import type { ColbertDef } from './testModels.js';

/** The Linear(hidden, dim, bias=False) of HF_ColBERT, as [hidden, dim] (in, out) row-major. */
export function colbertProjection(spec: BertSpec, dim: number): Float32Array {
  return normalArray(createRng(hashString('colbert.linear', spec.seed)), spec.hidden * dim, 1 / Math.sqrt(spec.hidden));
}

/** Where the weights go and what the graph's output is called, by layout. */
export function colbertLayout(def: ColbertDef): { weights: string; output: string } {
  return def.layout === 'vespa' ? { weights: 'vespa_colbert.onnx', output: 'contextual' } : { weights: 'onnx/model.onnx', output: 'last_hidden_state' };
}

/** colbert-ai's artifact.metadata (its ColBERTConfig), with the fields crossrank reads and a few it ignores. */
export function artifactMetadata(def: ColbertDef): Record<string, unknown> {
  return {
    query_token_id: '[unused0]',
    doc_token_id: '[unused1]',
    query_token: '[Q]',
    doc_token: '[D]',
    query_maxlen: def.queryMaxlen,
    doc_maxlen: def.docMaxlen,
    attend_to_mask_tokens: def.attendToMaskTokens,
    mask_punctuation: true,
    dim: def.dim,
    similarity: 'cosine',
    interaction: 'colbert',
    nbits: 2,
    checkpoint: 'crossrank test model',
  };
}
