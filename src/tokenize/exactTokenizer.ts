import { Tokenizer } from '@huggingface/tokenizers';
import { exactNormalizer } from './exactNormalizer.js';
import { exactPreTokenizer } from './exactPreTokenizer.js';
import type { LibraryNormalizer, LibraryPreTokenizer } from './libraryParts.js';

/**
 * The @huggingface/tokenizers Tokenizer of a tokenizer.json, with the parts where that library
 * approximates the Rust `tokenizers` (the Precompiled charsmap, Strip, the ByteLevel and Metaspace splits)
 * replaced by exact ones, so it encodes as Hugging Face does.
 */
export function exactTokenizer(tokenizerJson: Record<string, unknown>, tokenizerConfig: Record<string, unknown>): Tokenizer {
  const tokenizer = new Tokenizer(tokenizerJson, tokenizerConfig);
  const normalizer = exactNormalizer(tokenizerJson.normalizer);
  const parts = tokenizer as unknown as { normalizer: LibraryNormalizer | null; pre_tokenizer: LibraryPreTokenizer | null };
  if (normalizer) parts.normalizer = normalizer;
  exactPreTokenizer(parts.pre_tokenizer, tokenizerJson.pre_tokenizer);
  return tokenizer;
}
