import { PrecompiledCharsmap } from './precompiledCharsmap.js';
import { isWhitespace, safeNormalizer, type Component } from './tokenizerComponents.js';

/**
 * Where a text may be cut before tokenizing with the Metaspace pre-tokenizer (XLM-R, DeBERTa-v3),
 * so that the tokens of a prefix (suffix) are exactly the first (last) tokens of the whole text.
 * Why each condition holds is in textBound.ts's header; in short, a cut goes before a U+0020 that
 * - follows a printable ASCII character that is a grapheme of its own and that the normalizers
 *   keep non-empty and not ending in a space or ▁ (`plainBefore`): the prefix ends on a whole split;
 * - is a grapheme of its own (the charsmap normalizes grapheme by grapheme, and a combining mark
 *   after a space would join it) and that the charsmap keeps a space: it becomes the ▁ that starts
 *   the next split, so a suffix is not prepended another;
 * - with a Strip normalizer, for a suffix (whose space Strip removes): is followed by a printable
 *   ASCII character kept non-empty, not starting with a space or ▁ (`plainAfter`), and Metaspace
 *   prepends ▁ to every section (`always`), so the stripped ▁ comes back.
 */
export interface MetaspaceRules {
  /** By character code (printable ASCII): whether a cut may follow it. */
  plainBefore: boolean[];
  /** Whether a Strip normalizer runs: a suffix then needs `plainAfter` after its space. */
  strips: boolean;
  /** By character code (printable ASCII): whether a stripped suffix may start with it; null: suffixes are not cut. */
  plainAfter: boolean[] | null;
}

const SPACE = 0x20;
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** The rules for a normalizer chain and a lone Metaspace with split; null where no cut is known to be exact. */
export function metaspaceRules(normalizers: readonly Component[], preTokenizers: readonly Component[]): MetaspaceRules | null {
  if (preTokenizers.length !== 1) return null;
  const [metaspace] = preTokenizers;
  if (metaspace.type !== 'Metaspace' || metaspace.split === false) return null;
  const replacement = typeof metaspace.replacement === 'string' ? metaspace.replacement : '\u2581';
  if (replacement.length !== 1 || replacement === ' ') return null;
  // Hugging Face reads the older add_prefix_space as always (true) or never (false).
  const scheme = metaspace.prepend_scheme ?? (metaspace.add_prefix_space === false ? 'never' : 'always');
  let strips = false;
  let charsmap: PrecompiledCharsmap | null = null;
  for (const normalizer of normalizers) {
    if (normalizer.type === 'Strip') {
      strips = true;
      continue;
    }
    if (!safeNormalizer(normalizer)) return null;
    // A space run replaced by anything but one space could leave a suffix without its ▁.
    if (normalizer.type === 'Replace' && normalizer.content !== ' ') return null;
    if (normalizer.type === 'Precompiled') {
      if (charsmap !== null || typeof normalizer.precompiled_charsmap !== 'string') return null;
      try {
        charsmap = PrecompiledCharsmap.fromBase64(normalizer.precompiled_charsmap);
      } catch {
        return null;
      }
    }
  }
  const normalized = (code: number): string => {
    const char = String.fromCharCode(code);
    return charsmap?.transform(char) ?? char;
  };
  if (normalized(SPACE) !== ' ') return null;
  const printable = (keep: (text: string) => boolean): boolean[] => Array.from({ length: 128 }, (_, code) => code > SPACE && code < 0x7f && keep(normalized(code)));
  const isSpaceLike = (code: number | undefined): boolean => code === undefined || isWhitespace(code) || code === replacement.charCodeAt(0);
  return {
    plainBefore: printable((text) => !isSpaceLike(text.charCodeAt(text.length - 1))),
    strips,
    plainAfter: strips && scheme !== 'always' ? null : printable((text) => !isSpaceLike(text.charCodeAt(0))),
  };
}

/** Whether `at` is a cut position under the Metaspace rules (added tokens are checked by the caller). */
export function isMetaspaceCut(text: string, at: number, side: 'right' | 'left', rules: MetaspaceRules): boolean {
  if (text.charCodeAt(at) !== SPACE || at + 1 >= text.length) return false;
  const before = text.charCodeAt(at - 1);
  if (!(before < 0x80 && rules.plainBefore[before])) return false;
  if (side === 'left' && rules.strips) {
    const after = text.charCodeAt(at + 1);
    if (rules.plainAfter === null || !(after < 0x80 && rules.plainAfter[after])) return false;
  }
  return loneGraphemes(text, at);
}

/**
 * Whether text[at - 1] and text[at] are graphemes of their own. Between two ASCII characters there
 * is always a grapheme boundary (other than CR LF; ASCII is never Prepend, Extend or SpacingMark),
 * so only a non-ASCII neighbour needs the segmenter.
 */
function loneGraphemes(text: string, at: number): boolean {
  const outer = at >= 2 ? text.charCodeAt(at - 2) : 0;
  const next = text.charCodeAt(at + 1);
  if (outer < 0x80 && next < 0x80) return true;
  // From the start of the code point before text[at - 1] to the end of the one after text[at].
  const from = Math.max(0, at - 2 - (outer >= 0xdc00 && outer <= 0xdfff ? 1 : 0));
  const starts = new Set<number>();
  for (const { index } of graphemes.segment(text.slice(from, at + 3))) starts.add(from + index);
  return starts.has(at - 1) && starts.has(at) && starts.has(at + 1);
}
