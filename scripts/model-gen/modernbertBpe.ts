/**
 * A small byte-level BPE tokenizer in the layout of answerdotai/ModernBERT-base (the tokenizer of
 * Alibaba-NLP/gte-reranker-modernbert-base): an NFC normalizer, ByteLevel pre-tokenizer without
 * a prefix space, the 256 byte symbols then the learned merges (robertaBpe.ts's training loop),
 * the special tokens [UNK] [CLS] [SEP] [PAD] [MASK] last, and a BERT-style pair template:
 * [CLS] A [SEP] B [SEP] with type ids 0 then 1. The model takes no token_type_ids.
 */
import { addedToken, byteLevelBpeModel, sequencePiece as sequence, specialPiece as special, vocabularyBuilder, type TokenizerFileSet } from './tokenizerJsonParts.js';
import { byteLevelAlphabet, learnMerges } from './robertaBpe.js';

export const MODERNBERT_BPE_VOCAB_SIZE = 1024;
const SPECIALS = ['[UNK]', '[CLS]', '[SEP]', '[PAD]', '[MASK]'] as const;

export function buildModernbertBpe(): TokenizerFileSet {
  const { vocab, add } = vocabularyBuilder();
  byteLevelAlphabet().forEach(add);
  const merges = learnMerges(new Set(Object.keys(vocab)), MODERNBERT_BPE_VOCAB_SIZE - SPECIALS.length);
  for (const [a, b] of merges) add(a + b);
  SPECIALS.forEach(add);
  if (Object.keys(vocab).length !== MODERNBERT_BPE_VOCAB_SIZE) throw new Error('modernbertBpe: unexpected vocabulary size');

  const added = SPECIALS.map((content) => addedToken(vocab[content], content, content === '[MASK]'));
  const tokenizer: Record<string, unknown> = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: { type: 'NFC' },
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: {
      type: 'TemplateProcessing',
      single: [special('[CLS]', 0), sequence('A', 0), special('[SEP]', 0)],
      pair: [special('[CLS]', 0), sequence('A', 0), special('[SEP]', 0), sequence('B', 1), special('[SEP]', 1)],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [vocab['[CLS]']], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [vocab['[SEP]']], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: byteLevelBpeModel(vocab, merges, { affixes: null, merges: 'pairs' }),
  };
  const names = { cls_token: '[CLS]', sep_token: '[SEP]', pad_token: '[PAD]', mask_token: '[MASK]', unk_token: '[UNK]' };
  return {
    tokenizer,
    tokenizerConfig: { ...names, tokenizer_class: 'PreTrainedTokenizerFast', model_max_length: 8192, model_input_names: ['input_ids', 'attention_mask'], clean_up_tokenization_spaces: true },
    specialTokensMap: names,
  };
}
