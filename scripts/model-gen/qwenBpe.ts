/**
 * A small byte-level BPE tokenizer in the layout of Qwen2/Qwen3 (Qwen/Qwen3-Reranker-0.6B's
 * tokenizer.json): an NFC normalizer, Qwen's Split regex (digits one by one, a letter run with one
 * leading non-letter, newline runs apart) then ByteLevel without its own regex, the 256 byte
 * symbols then merges learned by robertaBpe.ts's loop, and the chat tokens after the vocabulary as
 * added tokens: `<|endoftext|>` (pad), `<|im_start|>`, `<|im_end|>` (special), `<think>`,
 * `</think>` (not special, as in Qwen3). No post-processor adds tokens, as in Qwen's.
 */
import { addedToken, byteLevelBpeModel, vocabularyBuilder, type TokenizerFileSet } from './tokenizerJsonParts.js';
import { byteLevelAlphabet, learnMerges } from './robertaBpe.js';

/** Qwen2's pre-tokenizer pattern, verbatim from its tokenizer.json. */
export const QWEN_SPLIT_PATTERN = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

/** Byte symbols plus merges; the chat tokens follow. */
export const QWEN_BPE_MERGED_SIZE = 1200;
const CHAT_TOKENS: readonly [string, boolean][] = [
  ['<|endoftext|>', true],
  ['<|im_start|>', true],
  ['<|im_end|>', true],
  ['<think>', false],
  ['</think>', false],
];
const ANSWER_MERGES: [string, string][] = [
  ['y', 'es'],
  ['Y', 'es'],
];
export const QWEN_BPE_VOCAB_SIZE = QWEN_BPE_MERGED_SIZE + CHAT_TOKENS.length;

export function buildQwenBpe(): TokenizerFileSet {
  const { vocab, add } = vocabularyBuilder();
  byteLevelAlphabet().forEach(add);
  const merges = learnMerges(new Set(Object.keys(vocab)), QWEN_BPE_MERGED_SIZE - ANSWER_MERGES.length);
  // The answer words must be single tokens, as in Qwen's vocabulary; the word list lacks them.
  merges.push(...ANSWER_MERGES);
  for (const [a, b] of merges) add(a + b);
  if (Object.keys(vocab).length !== QWEN_BPE_MERGED_SIZE) throw new Error('qwenBpe: unexpected vocabulary size');
  const added = CHAT_TOKENS.map(([content, special], i) => ({ ...addedToken(QWEN_BPE_MERGED_SIZE + i, content), special }));
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false };
  const tokenizer: Record<string, unknown> = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: { type: 'NFC' },
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [{ type: 'Split', pattern: { Regex: QWEN_SPLIT_PATTERN }, behavior: 'Isolated', invert: false }, byteLevel],
    },
    post_processor: byteLevel,
    decoder: byteLevel,
    model: byteLevelBpeModel(vocab, merges, { affixes: '', merges: 'pairs' }),
  };
  const names = { eos_token: '<|im_end|>', pad_token: '<|endoftext|>' };
  return {
    tokenizer,
    tokenizerConfig: {
      ...names,
      bos_token: null,
      tokenizer_class: 'Qwen2Tokenizer',
      model_max_length: 1024,
      padding_side: 'left',
      additional_special_tokens: ['<|im_start|>', '<|im_end|>'],
      clean_up_tokenization_spaces: false,
    },
    specialTokensMap: { ...names, additional_special_tokens: ['<|im_start|>', '<|im_end|>'] },
  };
}
