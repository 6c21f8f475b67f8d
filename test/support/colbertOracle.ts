import { colbertProjection } from '../../scripts/model-gen/colbert.js';
import { TEST_MODELS } from '../../scripts/model-gen/testModels.js';
import { PUNCTUATION } from '../../src/rerank/lateInteractionSettings.js';
import { referenceColbertVectors } from '../reference/colbertReference.js';
import type { RustTokenizer } from './rustTokenizer.js';
import type { TestModel } from './testModels.js';

export type ColbertName = 'tiny-colbert' | 'tiny-colbert-vespa' | 'tiny-colbert-pylate';

export const MARKERS = { query: 1, document: 2 }; // [unused0], [unused1] in bert-base-uncased
export const MASK = 103;
export const PAD = 0;

/**
 * colbert-ai's QueryTokenizer / DocTokenizer, step by step, on the Rust tokenizer: '. ' + text,
 * tokenized with truncation at the length, position 1 (the '.') replaced by the marker; a query is
 * padded to the length and its padding ids replaced by [MASK].
 */
export async function colbertAiIds(oracle: RustTokenizer, text: string, kind: 'query' | 'document', maxLength: number, attendToMask: boolean) {
  const encoding = await oracle.encodeSingle(`. ${text}`, maxLength);
  const inputIds = [...encoding.inputIds];
  inputIds[1] = MARKERS[kind];
  const attentionMask = [...encoding.attentionMask];
  if (kind === 'query') {
    while (inputIds.length < maxLength) {
      inputIds.push(PAD);
      attentionMask.push(0);
    }
    for (let i = 0; i < inputIds.length; i++) {
      if (inputIds[i] === PAD) {
        inputIds[i] = MASK;
        if (attendToMask) attentionMask[i] = 1;
      }
    }
  }
  return { inputIds, attentionMask };
}

export async function punctuationIds(oracle: RustTokenizer): Promise<Set<number>> {
  const ids = new Set<number>();
  for (const symbol of PUNCTUATION) ids.add((await oracle.encodeSingle(symbol, 16)).inputIds[1]);
  return ids;
}

/** The reference vectors of one encoding, from the float64 forward pass over all of its positions. */
export function referenceVectors(model: TestModel, name: ColbertName, inputIds: number[], attentionMask: number[]): number[][] {
  const { dim } = TEST_MODELS[name].colbert;
  const states = model.hiddenStatesMasked(inputIds, inputIds.map(() => 0), attentionMask);
  return referenceColbertVectors(states, colbertProjection(model.spec, dim), dim);
}


/** The float64 reference vectors of a query or a document (kept positions only), by colbert-ai's steps. */
export async function referenceTextVectors(model: TestModel, name: ColbertName, oracle: RustTokenizer, text: string, kind: 'query' | 'document'): Promise<number[][]> {
  const def = TEST_MODELS[name].colbert;
  const { inputIds, attentionMask } = await colbertAiIds(oracle, text, kind, kind === 'query' ? def.queryMaxlen : def.docMaxlen, kind === 'query' && def.attendToMaskTokens);
  const vectors = referenceVectors(model, name, inputIds, attentionMask);
  if (kind === 'query') return vectors;
  const punctuation = await punctuationIds(oracle);
  return vectors.filter((_, t) => !punctuation.has(inputIds[t]));
}
