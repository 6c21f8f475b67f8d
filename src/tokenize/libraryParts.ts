// The parts of @huggingface/tokenizers that exactTokenizer.ts replaces or adjusts. The package
// exports these classes at run time, but its type declarations do not resolve them under
// NodeNext, so they are typed here with what we use of them.
import * as library from '@huggingface/tokenizers';

export interface LibraryNormalizer {
  (text: string): string;
  normalize(text: string): string;
}

export interface LibraryPreTokenizer {
  pre_tokenize_text(text: string, options?: { section_index?: number }): string[];
}

export interface ByteLevelPreTokenizer extends LibraryPreTokenizer {
  pattern: RegExp;
}

export interface MetaspacePreTokenizer extends LibraryPreTokenizer {
  replacement: string;
}

export interface SequencePreTokenizer extends LibraryPreTokenizer {
  tokenizers: (LibraryPreTokenizer | null)[];
}

interface Parts {
  SequenceNormalizer: new (config: object) => LibraryNormalizer;
  ByteLevelPreTokenizer: abstract new (...args: never[]) => ByteLevelPreTokenizer;
  MetaspacePreTokenizer: abstract new (...args: never[]) => MetaspacePreTokenizer;
  SequencePreTokenizer: abstract new (...args: never[]) => SequencePreTokenizer;
}

export const libraryParts = library as unknown as Parts;

/** A normalizer the library's Tokenizer can call (it calls normalizers as functions). */
export function asLibraryNormalizer(normalize: (text: string) => string): LibraryNormalizer {
  return Object.assign((text: string) => normalize(text), { normalize, _call: normalize });
}
