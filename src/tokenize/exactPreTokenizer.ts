import { libraryParts, type LibraryPreTokenizer, type MetaspacePreTokenizer } from './libraryParts.js';

/**
 * GPT-2's split pattern as the Rust tokenizers runs it: there `\s` is Unicode White_Space, while
 * JavaScript's `\s` also matches U+FEFF (BOM) and misses U+0085 (NEL), so the library's own
 * pattern splits text with those characters differently from Hugging Face.
 */
const BYTE_LEVEL_PATTERN =
  /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\p{White_Space}\p{L}\p{N}]+|\p{White_Space}+(?!\P{White_Space})|\p{White_Space}+/gu;

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Metaspace with `split` (true unless the file says false): the Rust pre-tokenizer cuts the text
 * before every replacement character ("▁a▁b" -> "▁a", "▁b"); the library keeps one piece. The
 * tokens of a Unigram model do not change, but the word splits that truncation counts do.
 */
function splitAtMetaspace(preTokenizer: MetaspacePreTokenizer): void {
  const whole = preTokenizer.pre_tokenize_text.bind(preTokenizer);
  const replacement = preTokenizer.replacement;
  preTokenizer.pre_tokenize_text = (text, options) =>
    whole(text, options).flatMap((piece) => {
      const words: string[] = [];
      let start = 0;
      for (let at = piece.indexOf(replacement, 1); at !== -1; at = piece.indexOf(replacement, at + replacement.length)) {
        words.push(piece.slice(start, at));
        start = at;
      }
      words.push(piece.slice(start));
      return words.filter((word) => word.length > 0);
    });
}

/**
 * Makes the library's pre-tokenizer (built from `config`, the tokenizer.json `pre_tokenizer`)
 * split as the Rust one does, in place.
 */
export function exactPreTokenizer(preTokenizer: LibraryPreTokenizer | null, config: unknown): void {
  if (!isObject(config)) return;
  if (preTokenizer instanceof libraryParts.ByteLevelPreTokenizer) {
    if (config.use_regex !== false) preTokenizer.pattern = BYTE_LEVEL_PATTERN;
  } else if (preTokenizer instanceof libraryParts.MetaspacePreTokenizer) {
    if (config.split !== false) splitAtMetaspace(preTokenizer);
  } else if (preTokenizer instanceof libraryParts.SequencePreTokenizer && Array.isArray(config.pretokenizers)) {
    const members = config.pretokenizers;
    preTokenizer.tokenizers.forEach((member, i) => exactPreTokenizer(member, members[i]));
  }
}
