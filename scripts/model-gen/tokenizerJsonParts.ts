/** A tokenizer.json `added_tokens` entry for a special token, with the fields in the order Hugging Face writes them. */
export function addedToken(id: number, content: string, lstrip = false): Record<string, unknown> {
  return { id, content, single_word: false, lstrip, rstrip: false, normalized: false, special: true };
}

/** A TemplateProcessing item: a special token with its type id. */
export const specialPiece = (id: string, typeId: number) => ({ SpecialToken: { id, type_id: typeId } });

/** A TemplateProcessing item: sequence A (query) or B (document) with its type id. */
export const sequencePiece = (id: 'A' | 'B', typeId: number) => ({ Sequence: { id, type_id: typeId } });

/** A vocabulary built in order: each new token gets the next id; a token added again keeps its id. */
export function vocabularyBuilder(): { vocab: Record<string, number>; add: (token: string) => void } {
  const vocab: Record<string, number> = {};
  return {
    vocab,
    add: (token) => {
      if (!Object.hasOwn(vocab, token)) vocab[token] = Object.keys(vocab).length;
    },
  };
}

/**
 * A tokenizer.json byte-level BPE `model`. Exports differ in two details only: whether the
 * sub-word affixes are written as null or '' and whether merges are `[a, b]` pairs (newer
 * tokenizers) or `"a b"` strings (older ones).
 */
export function byteLevelBpeModel(
  vocab: Record<string, number>,
  merges: readonly (readonly [string, string])[],
  layout: { affixes: null | ''; merges: 'pairs' | 'strings' },
): Record<string, unknown> {
  return {
    type: 'BPE',
    dropout: null,
    unk_token: null,
    continuing_subword_prefix: layout.affixes,
    end_of_word_suffix: layout.affixes,
    fuse_unk: false,
    byte_fallback: false,
    ignore_merges: false,
    vocab,
    merges: merges.map(([a, b]) => (layout.merges === 'pairs' ? [a, b] : `${a} ${b}`)),
  };
}

/** The tokenizer files a generated model directory holds: tokenizer.json, tokenizer_config.json, special_tokens_map.json. */
export interface TokenizerFileSet {
  tokenizer: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
  specialTokensMap: Record<string, unknown>;
}
