import { resolveModelDir, type HubOptions } from '../hub/index.js';
import { loadModelEncoding } from '../inference/modelEncoding.js';
import { locateTokenizerFiles } from '../model/index.js';
import type { PairEncoding } from '../tokenize/pairEncoder.js';
import type { TruncationStrategy } from '../tokenize/truncation.js';

/** A cross-encoder's tokenizer alone (no weights are read or fetched): what `crossrank tokenize` shows. */
export interface PairTokenizer {
  /** The max_length in force: the model's, or the lower one asked for. */
  maxLength: number;
  /** One pair exactly as the model is fed it. */
  encodePair(query: string, document: string, truncation?: TruncationStrategy): PairEncoding;
}

export async function loadPairTokenizer(nameOrDir: string, options: HubOptions & { maxLength?: number } = {}): Promise<PairTokenizer> {
  const modelDir = await resolveModelDir(nameOrDir, { ...options, tokenizerOnly: true });
  const { encoder, maxLength } = loadModelEncoding(locateTokenizerFiles(modelDir), options.maxLength);
  return {
    maxLength,
    encodePair: (query, document, truncation = 'longest_first') => encoder.encodePair(query, document, { maxLength, truncation }),
  };
}
