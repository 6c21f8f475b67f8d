import { ModelFormatError } from '../errors.js';

/**
 * Sentencepiece's `precompiled_charsmap` (the normalization rules of an nmt_nfkc model, as
 * XLM-RoBERTa and DeBERTa-v3 tokenizer.json files carry them in base64), applied exactly as the
 * Rust `tokenizers` Precompiled normalizer does (crate spm_precompiled).
 *
 * Layout: a little-endian u32 with the trie's size in bytes, the trie (darts double-array
 * units, u32 each), then the replacement strings, each ended by a NUL. The trie maps a UTF-8
 * key to the offset of its replacement.
 */
export class PrecompiledCharsmap {
  private readonly units: Uint32Array;
  private readonly replacements: Uint8Array;
  private readonly decoded = new Map<number, string>();
  /** transform() of characters and short graphemes already seen (null: no rule). */
  private readonly cache = new Map<string, string | null>();
  private readonly encoder = new TextEncoder();
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });

  constructor(charsmap: Uint8Array) {
    if (charsmap.length < 4) throw new ModelFormatError('tokenizer.json: precompiled_charsmap is shorter than its header');
    const view = new DataView(charsmap.buffer, charsmap.byteOffset, charsmap.byteLength);
    const trieBytes = view.getUint32(0, true);
    if (trieBytes % 4 !== 0 || 4 + trieBytes > charsmap.length || trieBytes === 0) {
      throw new ModelFormatError('tokenizer.json: precompiled_charsmap has a trie size that does not fit the data');
    }
    this.units = new Uint32Array(trieBytes / 4);
    for (let i = 0; i < this.units.length; i++) this.units[i] = view.getUint32(4 + 4 * i, true);
    this.replacements = charsmap.subarray(4 + trieBytes);
    try {
      this.decoder.decode(this.replacements);
    } catch {
      throw new ModelFormatError('tokenizer.json: precompiled_charsmap has replacement strings that are not UTF-8');
    }
  }

  static fromBase64(text: string): PrecompiledCharsmap {
    return new PrecompiledCharsmap(Buffer.from(text, 'base64'));
  }

  /**
   * The replacement of the shortest rule that matches a prefix of `chunk`, or undefined.
   * The shortest prefix replaces the whole chunk: that is what the Rust normalizer does (and
   * so what Hugging Face's encodings are), even where it looks wrong.
   */
  transform(chunk: string): string | undefined {
    const offset = this.firstPrefixValue(this.encoder.encode(chunk));
    if (offset === undefined) return undefined;
    let cached = this.decoded.get(offset);
    if (cached === undefined) {
      let end = offset;
      while (end < this.replacements.length && this.replacements[end] !== 0) end++;
      cached = this.decoder.decode(this.replacements.subarray(offset, end));
      this.decoded.set(offset, cached);
    }
    return cached;
  }

  /** darts' commonPrefixSearch, stopped at its first result. */
  private firstPrefixValue(key: Uint8Array): number | undefined {
    const units = this.units;
    let node = offsetOf(units[0]);
    for (const byte of key) {
      if (byte === 0) return undefined;
      node ^= byte;
      const unit = units[node];
      if (unit === undefined || labelOf(unit) !== byte) return undefined;
      node ^= offsetOf(unit);
      if (hasLeaf(unit)) {
        const leaf = units[node];
        return leaf === undefined ? undefined : leaf & 0x7fffffff;
      }
    }
    return undefined;
  }

  /**
   * Normalizes `text` grapheme by grapheme: a grapheme under 6 UTF-8 bytes is looked up whole;
   * otherwise, or where it has no rule, each of its code points is looked up on its own.
   *
   * Finding graphemes (Intl.Segmenter) is the slow part, so it only runs where a grapheme can
   * span several code points: between two ASCII characters (other than CR LF) there is always
   * a grapheme boundary (ASCII is never Extend, ZWJ, SpacingMark or Prepend), so ASCII stretches
   * are looked up character by character, with the results cached.
   */
  normalize(text: string): string {
    let out = '';
    let unchanged = 0; // text[unchanged, start) is copied as it is
    let start = 0;
    for (let i = 1; i <= text.length; i++) {
      if (i < text.length && !isAsciiBoundary(text, i)) continue;
      if (i - start === 1 && this.asciiKept(text.charCodeAt(start))) {
        start = i;
        continue;
      }
      const chunk = text.slice(start, i);
      out += text.slice(unchanged, start) + (chunk.length === 1 ? this.normalizeCodePoint(chunk) : this.normalizeGraphemes(chunk));
      unchanged = start = i;
    }
    return out + text.slice(unchanged);
  }

  /** ASCII characters that no rule changes (most of them), by code. */
  private asciiKeptTable?: boolean[];

  private asciiKept(code: number): boolean {
    this.asciiKeptTable ??= Array.from({ length: 128 }, (_, c) => this.transform(String.fromCharCode(c)) === undefined);
    return code < 128 && this.asciiKeptTable[code];
  }

  private normalizeGraphemes(text: string): string {
    let out = '';
    for (const { segment } of graphemes.segment(text)) {
      if (utf8Length(segment) < 6) {
        const whole = this.cachedTransform(segment);
        if (whole !== undefined) {
          out += whole;
          continue;
        }
      }
      for (const char of segment) out += this.normalizeCodePoint(char);
    }
    return out;
  }

  private normalizeCodePoint(char: string): string {
    return this.cachedTransform(char) ?? char;
  }

  private cachedTransform(chunk: string): string | undefined {
    let result = this.cache.get(chunk);
    if (result === undefined) {
      result = this.transform(chunk) ?? null;
      // Keys are characters and short graphemes; the cap only guards against unbounded text variety.
      if (this.cache.size >= 50_000) this.cache.clear();
      this.cache.set(chunk, result);
    }
    return result ?? undefined;
  }
}

/** Whether a grapheme boundary surely falls before text[i]: both neighbours ASCII, and not CR LF. */
function isAsciiBoundary(text: string, i: number): boolean {
  const before = text.charCodeAt(i - 1);
  const at = text.charCodeAt(i);
  return before < 0x80 && at < 0x80 && !(before === 0x0d && at === 0x0a);
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

function utf8Length(text: string): number {
  let bytes = 0;
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  }
  return bytes;
}

// darts-clone unit fields (see its DoubleArrayUnit).
function hasLeaf(unit: number): boolean {
  return ((unit >>> 8) & 1) === 1;
}

function labelOf(unit: number): number {
  return unit & 0x800000ff;
}

function offsetOf(unit: number): number {
  return (unit >>> 10) << ((unit & (1 << 9)) >>> 6);
}
