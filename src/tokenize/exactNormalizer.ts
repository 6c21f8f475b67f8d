import { ModelFormatError } from '../errors.js';
import { asLibraryNormalizer, libraryParts, type LibraryNormalizer } from './libraryParts.js';
import { PrecompiledCharsmap } from './precompiledCharsmap.js';

type Json = Record<string, unknown>;
type Normalize = (text: string) => string;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Rust's char::is_whitespace: the Unicode White_Space property. */
const LEADING_WHITESPACE = /^\p{White_Space}+/u;
const TRAILING_WHITESPACE = /\p{White_Space}+$/u;

function precompiled(config: Json): Normalize {
  if (typeof config.precompiled_charsmap !== 'string' || config.precompiled_charsmap === '') {
    throw new ModelFormatError('tokenizer.json: a Precompiled normalizer has no precompiled_charsmap');
  }
  const charsmap = PrecompiledCharsmap.fromBase64(config.precompiled_charsmap);
  return (text) => charsmap.normalize(text);
}

function strip(config: Json): Normalize {
  const left = config.strip_left !== false;
  const right = config.strip_right !== false;
  return (text) => {
    let out = left ? text.replace(LEADING_WHITESPACE, '') : text;
    if (right) out = out.replace(TRAILING_WHITESPACE, '');
    return out;
  };
}

/** The library's normalizer for one config (its factory is not exported; a one-member Sequence reaches it). */
function library(config: Json): Normalize {
  const normalizer = new libraryParts.SequenceNormalizer({ type: 'Sequence', normalizers: [config] });
  return (text) => normalizer.normalize(text);
}

function build(config: Json): Normalize {
  switch (config.type) {
    case 'Precompiled':
      return precompiled(config);
    case 'Strip':
      return strip(config);
    case 'Sequence': {
      const members = (Array.isArray(config.normalizers) ? config.normalizers : []).filter(isObject).map(build);
      return (text) => members.reduce((value, member) => member(value), text);
    }
    default:
      return library(config);
  }
}

function needsOwn(config: unknown): boolean {
  if (!isObject(config)) return false;
  if (config.type === 'Precompiled' || config.type === 'Strip') return true;
  return config.type === 'Sequence' && Array.isArray(config.normalizers) && config.normalizers.some(needsOwn);
}

/**
 * The normalizer that encodes as the Rust `tokenizers` does, for a tokenizer.json `normalizer`
 * config; undefined where the library's own already does. @huggingface/tokenizers (0.2) differs in:
 * - Precompiled: it ignores the charsmap and approximates it with NFKC plus a few replacements,
 *   so text with combining marks, half-width kana with voiced marks or zero-width joiners
 *   normalizes differently (see precompiledCharsmap.ts);
 * - Strip: JavaScript's trim() removes U+FEFF and keeps U+0085; Rust's char::is_whitespace
 *   (Unicode White_Space) does the opposite.
 */
export function exactNormalizer(config: unknown): LibraryNormalizer | undefined {
  return needsOwn(config) && isObject(config) ? asLibraryNormalizer(build(config)) : undefined;
}
