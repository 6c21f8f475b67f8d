/**
 * A small BPE tokenizer in the layout of Gemma's tokenizer.json (google/gemma-2b, the tokenizer of
 * BAAI/bge-reranker-v2-gemma), as transformers' GemmaConverter writes it: a Replace(" " -> "▁")
 * normalizer and no prefix space (unlike Llama, nothing is prepended), a Split(" ") pre-tokenizer
 * that leaves the normalized text whole, BPE over characters with byte fallback (a character not in
 * the vocabulary becomes its UTF-8 bytes `<0xXX>`) and fuse_unk, and the ids Gemma starts with:
 * `<pad>`=0, `<eos>`=1, `<bos>`=2, `<unk>`=3, then `<mask>`, `<start_of_turn>`, `<end_of_turn>`.
 * The merges are robertaBpe.ts's, learned on its word list, with its space mark "Ġ" read as "▁".
 * No post-processor adds `<bos>` here: the reranker's prompt writes it (FlagEmbedding prepends
 * bos_token_id itself and tokenizes every piece with add_special_tokens=False).
 */
import { byteLevelAlphabet, learnMerges } from './robertaBpe.js';
import { addedToken, vocabularyBuilder, type TokenizerFileSet } from './tokenizerJsonParts.js';

const SPECIAL_TOKENS = ['<pad>', '<eos>', '<bos>', '<unk>', '<mask>', '<start_of_turn>', '<end_of_turn>'] as const;
/** Characters and merged pieces; with the specials and the 256 byte pieces, the vocabulary size. */
export const GEMMA_BPE_VOCAB_SIZE = 1400;
const ANSWER_MERGES: [string, string][] = [
  ['Y', 'es'],
  ['y', 'es'],
];

const hex = (byte: number) => `<0x${byte.toString(16).toUpperCase().padStart(2, '0')}>`;

export function buildGemmaBpe(): TokenizerFileSet {
  const { vocab, add } = vocabularyBuilder();
  SPECIAL_TOKENS.forEach(add);
  for (let byte = 0; byte < 256; byte++) add(hex(byte));
  // Gemma's vocabulary has newline and tab pieces (GemmaConverter restores "\t"); the printable ASCII characters and "▁".
  ['\n', '\t', '▁'].forEach(add);
  for (let code = 0x21; code <= 0x7e; code++) add(String.fromCharCode(code));
  const fixed = Object.keys(vocab).length;
  // Learned over the byte-level alphabet, whose merges only ever join letters and "Ġ" (a space).
  const learned = learnMerges(new Set(byteLevelAlphabet()), 256 + GEMMA_BPE_VOCAB_SIZE - fixed - ANSWER_MERGES.length);
  const merges = [...learned.map(([a, b]) => [a.replaceAll('Ġ', '▁'), b.replaceAll('Ġ', '▁')] as [string, string]), ...ANSWER_MERGES];
  for (const [a, b] of merges) add(a + b);
  if (Object.keys(vocab).length !== GEMMA_BPE_VOCAB_SIZE) throw new Error(`gemmaBpe: vocabulary of ${Object.keys(vocab).length}, not ${GEMMA_BPE_VOCAB_SIZE}`);
  const tokenizer: Record<string, unknown> = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map((content, id) => addedToken(id, content)),
    normalizer: { type: 'Replace', pattern: { String: ' ' }, content: '▁' },
    pre_tokenizer: { type: 'Split', pattern: { String: ' ' }, behavior: 'MergedWithPrevious', invert: false },
    post_processor: null,
    decoder: {
      type: 'Sequence',
      decoders: [{ type: 'Replace', pattern: { String: '▁' }, content: ' ' }, { type: 'ByteFallback' }, { type: 'Fuse' }],
    },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: '<unk>',
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: true,
      byte_fallback: true,
      ignore_merges: false,
      vocab,
      merges: merges.map(([a, b]) => [a, b]),
    },
  };
  const names = { bos_token: '<bos>', eos_token: '<eos>', pad_token: '<pad>', unk_token: '<unk>' };
  return {
    tokenizer,
    tokenizerConfig: {
      ...names,
      tokenizer_class: 'GemmaTokenizer',
      add_bos_token: true,
      add_eos_token: false,
      model_max_length: 1024,
      padding_side: 'left',
      additional_special_tokens: ['<start_of_turn>', '<end_of_turn>'],
      clean_up_tokenization_spaces: false,
    },
    specialTokensMap: { ...names, additional_special_tokens: ['<start_of_turn>', '<end_of_turn>'] },
  };
}
