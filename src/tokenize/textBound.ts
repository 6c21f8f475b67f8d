/**
 * Bounds what a huge text costs to tokenize when only its first (or last) tokens can be kept.
 *
 * A text is cut before tokenizing, on a boundary where the pre-tokenizer splits, once the kept
 * part yields more tokens than can matter: the tokens of such a part are then exactly the first
 * (last) tokens of the whole text, and whatever the caller keeps or counts of them is the same.
 * The bound cannot come from a token-per-character estimate (a whitespace run gives no token, a
 * long unknown word one): the part grows, doubling, until it yields enough tokens.
 *
 * Where a cut could change the tokens it is not made: only tokenizers whose normalizer and
 * pre-tokenizer are known here are cut (others are tokenized whole, exactly but unbounded), and
 * only at positions that are split boundaries for them:
 * - before whitespace that follows a non-space (every pre-tokenizer known here splits there; the
 *   whitespace starts the next split, so a text cut from the left keeps it);
 * - BERT: also between two ASCII punctuation characters (each is a split of its own) and before
 *   a CJK character (the normalizer pads them with spaces), except next to a Σ whose lowercase
 *   form depends on the letters around it (final sigma);
 * - Metaspace (XLM-R, DeBERTa-v3: a Precompiled charsmap, then Metaspace with split; see
 *   metaspaceCut.ts): only before
 *   a U+0020 that is a grapheme of its own (no combining mark after it), after a printable ASCII
 *   character that the normalizers keep non-empty and not ending in a space. The charsmap
 *   normalizes grapheme by grapheme, so nothing it does can reach across that boundary; the space
 *   becomes the ▁ that starts the next split, so a suffix starts with it and is not prepended one,
 *   and a prefix ends on a whole split. With a Strip normalizer (DeBERTa-v3), which would strip a
 *   suffix's space, a suffix starts before a non-space character, and only where Metaspace
 *   prepends ▁ to every section (`always`), giving back the ▁ that was stripped;
 * - never inside an added token.
 */

import { isMetaspaceCut, metaspaceRules, type MetaspaceRules } from './metaspaceCut.js';
import { flatten, isWhitespace, safeNormalizer } from './tokenizerComponents.js';

export type CutSide = 'right' | 'left';

/** A text's tokens as the caller's tokenizer gives them; `ids.length` is what the bound counts. */
export interface CountedTokens {
  ids: readonly number[];
}

interface Rules {
  /** Cut between two ASCII punctuation characters and before CJK characters (BERT). */
  bertSplits: boolean;
  /** Cut only as Metaspace allows (see the header); null for the other pre-tokenizers. */
  metaspace: MetaspaceRules | null;
  /** A suffix must start with a space (ByteLevel's add_prefix_space would add one to any other). */
  suffixStartsWithSpace: boolean;
  /** Added-token texts, which a cut must not split. */
  addedTokens: string[];
}

const SPACE_CUT_PRE_TOKENIZERS = new Set(['BertPreTokenizer', 'Whitespace', 'WhitespaceSplit', 'ByteLevel']);
const FIRST_GUESS_CHARACTERS_PER_TOKEN = 4;
const SPACE = 0x20;
const SIGMA = 0x3a3;

export class TextBound {
  private readonly rules: Rules | null;
  /** The punctuation run last looked at, so that a long run is walked once, not once per position in it. */
  private run: { text: string; side: CutSide; from: number; to: number; sigma: boolean } | null = null;

  constructor(tokenizerJson: Record<string, unknown>) {
    this.rules = cutRules(tokenizerJson);
  }

  /** Whether this tokenizer's texts can be cut at all (else `encode` tokenizes them whole). */
  get cuts(): boolean {
    return this.rules !== null;
  }

  /**
   * `encode` of `text`, or of its start (side `right`) or end (`left`) cut on a split boundary,
   * with more than `keep` tokens: the first (last) `keep` tokens, and whether there are more
   * than `keep`, are those of the whole text.
   */
  encode<T extends CountedTokens>(text: string, keep: number, side: CutSide, encode: (text: string) => T): T {
    if (this.rules === null || !Number.isFinite(keep)) return encode(text);
    try {
      return this.encodeCut(text, keep, side, encode);
    } finally {
      this.run = null; // not to hold on to a huge text
    }
  }

  private encodeCut<T extends CountedTokens>(text: string, keep: number, side: CutSide, encode: (text: string) => T): T {
    let length = Math.max(64, (keep + 1) * FIRST_GUESS_CHARACTERS_PER_TOKEN);
    while (length < text.length) {
      const cut = side === 'right' ? this.cutAtOrAfter(text, length) : this.cutAtOrBefore(text, text.length - length);
      if (cut === null) break;
      const part = side === 'right' ? text.slice(0, cut) : text.slice(cut);
      const tokens = encode(part);
      if (tokens.ids.length > keep) return tokens;
      length = part.length * 2;
    }
    return encode(text);
  }

  /** Whether `encode` may cut `text` at `at` for `side` (the tests check every such position). */
  isCutAt(text: string, at: number, side: CutSide): boolean {
    try {
      return this.rules !== null && at >= 1 && at < text.length && this.isCut(text, at, side);
    } finally {
      this.run = null;
    }
  }

  /** The first cut position at or after `from` (a prefix ends there), or null. */
  private cutAtOrAfter(text: string, from: number): number | null {
    for (let i = Math.max(1, from); i < text.length; i++) if (this.isCut(text, i, 'right')) return i;
    return null;
  }

  /** The last cut position at or before `from` (a suffix starts there), or null. */
  private cutAtOrBefore(text: string, from: number): number | null {
    for (let i = Math.min(from, text.length - 1); i >= 1; i--) if (this.isCut(text, i, 'left')) return i;
    return null;
  }

  /** Whether the texts before and after position `at` are split apart by the pre-tokenizer whatever the context. */
  private isCut(text: string, at: number, side: CutSide): boolean {
    const rules = this.rules as Rules;
    const before = text.charCodeAt(at - 1);
    const after = text.charCodeAt(at);
    if (rules.metaspace) return isMetaspaceCut(text, at, side, rules.metaspace) && !insideAddedToken(text, at, rules.addedTokens);
    if (side === 'left' && rules.suffixStartsWithSpace && after !== SPACE) return false;
    const boundary =
      (isCutWhitespace(after) && !isWhitespace(before)) ||
      (rules.bertSplits && ((isAsciiPunctuation(before) && isAsciiPunctuation(after) && !this.sigmaAcross(text, at, side)) || isCjk(after)));
    return boundary && !insideAddedToken(text, at, rules.addedTokens);
  }

  /**
   * Whether a cut at `at`, inside a run of ASCII punctuation, could change how a Σ lowercases:
   * its final form depends on the letters around it, looked for past case-ignorable punctuation
   * (final sigma). A start cut there changes what follows a Σ before the run; an end cut, what
   * precedes a Σ after it. Positions of one run are answered from the first one looked at.
   */
  private sigmaAcross(text: string, at: number, side: CutSide): boolean {
    const run = this.run;
    if (run !== null && run.text === text && run.side === side && at >= run.from - 1 && at <= run.to + 1) {
      run.from = Math.min(run.from, at);
      run.to = Math.max(run.to, at);
      return run.sigma;
    }
    let sigma: boolean;
    if (side === 'right') {
      let start = at - 1;
      while (start > 0 && isAsciiPunctuation(text.charCodeAt(start - 1))) start--;
      sigma = start > 0 && text.charCodeAt(start - 1) === SIGMA;
    } else {
      let end = at;
      while (end < text.length && isAsciiPunctuation(text.charCodeAt(end))) end++;
      sigma = end < text.length && text.charCodeAt(end) === SIGMA;
    }
    this.run = { text, side, from: at, to: at, sigma };
    return sigma;
  }
}

function cutRules(tokenizerJson: Record<string, unknown>): Rules | null {
  const normalizers = flatten(tokenizerJson.normalizer);
  const preTokenizers = flatten(tokenizerJson.pre_tokenizer);
  if (normalizers === null || preTokenizers === null || preTokenizers.length === 0) return null;
  const added = Array.isArray(tokenizerJson.added_tokens) ? (tokenizerJson.added_tokens as Array<{ content?: unknown }>) : [];
  const addedTokens = added.map((token) => token.content).filter((content): content is string => typeof content === 'string' && content.length > 1);
  if (preTokenizers.some((p) => p.type === 'Metaspace')) {
    const metaspace = metaspaceRules(normalizers, preTokenizers);
    return metaspace && { bertSplits: false, suffixStartsWithSpace: false, addedTokens, metaspace };
  }
  if (!normalizers.every(safeNormalizer)) return null;
  if (!preTokenizers.every((p) => SPACE_CUT_PRE_TOKENIZERS.has(String(p.type)))) return null;
  const bertNormalizer = normalizers.find((n) => n.type === 'BertNormalizer');
  const bertSplits =
    preTokenizers.length === 1 &&
    preTokenizers[0].type === 'BertPreTokenizer' &&
    normalizers.every((n) => n.type === 'BertNormalizer') &&
    (bertNormalizer === undefined || bertNormalizer.handle_chinese_chars !== false);
  const suffixStartsWithSpace = preTokenizers.some((p) => p.type === 'ByteLevel' && p.add_prefix_space === true);
  return { bertSplits, suffixStartsWithSpace, addedTokens, metaspace: null };
}

/**
 * Whitespace a cut may come before: split on by every pre-tokenizer known here, and not removed by
 * BERT's normalizer (which drops control characters such as \v, \f and U+FEFF).
 */
function isCutWhitespace(code: number): boolean {
  return code === SPACE || code === 0x09 || code === 0x0a || code === 0x0d || (isWhitespace(code) && code > 0x7f && code !== 0xfeff);
}

/** BERT's ASCII punctuation: every printable ASCII character that is not a letter, a digit or a space. */
function isAsciiPunctuation(code: number): boolean {
  return (code >= 33 && code <= 47) || (code >= 58 && code <= 64) || (code >= 91 && code <= 96) || (code >= 123 && code <= 126);
}

/** The CJK ranges BERT's normalizer pads with spaces (as the JS tokenizer tests them: per UTF-16 unit). */
function isCjk(code: number): boolean {
  return (code >= 0x4e00 && code <= 0x9fff) || (code >= 0x3400 && code <= 0x4dbf) || (code >= 0xf900 && code <= 0xfaff);
}

function insideAddedToken(text: string, at: number, addedTokens: readonly string[]): boolean {
  for (const token of addedTokens) {
    // Any occurrence within this window straddles `at`: it is too short to hold one that does not.
    if (text.slice(Math.max(0, at - token.length + 1), at + token.length - 1).includes(token)) return true;
  }
  return false;
}
