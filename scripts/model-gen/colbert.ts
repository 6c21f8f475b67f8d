/**
 * The parts of a generated ColBERT model beyond its encoder: the projection weights and the
 * settings files colbert-ai writes (artifact.metadata), shared by the writer and the tests'
 * reference so both use the same numbers.
 */
import type { BertSpec } from './bertWeights.js';
import { createRng, hashString, normalArray } from './rng.js';
import { addedToken } from './tokenizerJsonParts.js';
import type { ColbertDef } from './testModels.js';

/** The Linear(hidden, dim, bias=False) of HF_ColBERT, as [hidden, dim] (in, out) row-major. */
export function colbertProjection(spec: BertSpec, dim: number): Float32Array {
  return normalArray(createRng(hashString('colbert.linear', spec.seed)), spec.hidden * dim, 1 / Math.sqrt(spec.hidden));
}

/** Where the weights go and what the graph's output is called, by layout. */
export function colbertLayout(def: ColbertDef): { weights: string; output: string } {
  if (def.layout === 'vespa') return { weights: 'vespa_colbert.onnx', output: 'contextual' };
  return { weights: 'onnx/model.onnx', output: def.layout === 'pylate' ? 'output' : 'last_hidden_state' };
}

/** jina-colbert-v2's marker tokens, added to the tokenizer after `<mask>` (250002 and 250003 in the real vocabulary). */
export const JINA_MARKER_TOKENS = ['[QueryMarker]', '[DocumentMarker]'];

/** A tokenizer.json with jina-colbert-v2's markers appended to its added tokens. */
export function withJinaMarkers(tokenizer: { added_tokens: { id: number }[] }, nextId: number): unknown {
  return { ...tokenizer, added_tokens: [...tokenizer.added_tokens, ...JINA_MARKER_TOKENS.map((content, i) => addedToken(nextId + i, content))] };
}

/** The settings files of a layout, by path: colbert-ai's artifact.metadata, PyLate's sentence-transformers files, none for jina. */
export function colbertSettingsFiles(def: ColbertDef): [string, unknown][] {
  if (def.layout === 'jina') return [];
  if (def.layout !== 'pylate') return [['artifact.metadata', artifactMetadata(def)]];
  return [
    [
      'modules.json',
      [
        { idx: 0, name: '0', path: '', type: 'sentence_transformers.models.Transformer' },
        { idx: 1, name: '1', path: '1_Dense', type: 'pylate.models.Dense.Dense' },
      ],
    ],
    [
      'config_sentence_transformers.json',
      {
        __version__: { sentence_transformers: '3.4.1', pylate: '1.1.7' },
        prompts: {},
        default_prompt_name: null,
        similarity_fn_name: 'MaxSim',
        query_prefix: '[unused0]',
        document_prefix: '[unused1]',
        query_length: def.queryMaxlen,
        document_length: def.docMaxlen,
        attend_to_expansion_tokens: def.attendToMaskTokens,
        skiplist_words: [...'!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'],
        do_query_expansion: true,
      },
    ],
  ];
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
