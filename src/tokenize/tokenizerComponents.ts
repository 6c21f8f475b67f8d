/** Reading a tokenizer.json's normalizer and pre-tokenizer for the rules of cutting a text (TextBound). */

const SAFE_NORMALIZERS = new Set(['BertNormalizer', 'Lowercase', 'NFC', 'NFD', 'NFKC', 'NFKD', 'StripAccents', 'Precompiled']);

/** One normalizer or pre-tokenizer of a tokenizer.json, by its `type`. */
export type Component = Record<string, unknown> & { type?: unknown };

/** A normalizer or pre-tokenizer as its list of parts (a Sequence flattened); null for a shape not known here. */
export function flatten(component: unknown): Component[] | null {
  if (component === null || component === undefined) return [];
  if (typeof component !== 'object') return null;
  const part = component as Component;
  if (part.type !== 'Sequence') return [part];
  const members = part.normalizers ?? part.pretokenizers;
  if (!Array.isArray(members)) return null;
  const flat: Component[] = [];
  for (const member of members) {
    const parts = flatten(member);
    if (parts === null) return null;
    flat.push(...parts);
  }
  return flat;
}

/** A normalizer that changes no character by what lies beyond a space; a Replace only of space runs. */
export function safeNormalizer(normalizer: Component): boolean {
  if (SAFE_NORMALIZERS.has(String(normalizer.type))) return true;
  if (normalizer.type !== 'Replace') return false;
  const pattern = normalizer.pattern as { String?: unknown; Regex?: unknown } | undefined;
  const source = pattern?.String ?? pattern?.Regex;
  return typeof source === 'string' && /^ +(\{\d+,\d*\}|\+)?$/.test(source);
}

/** Unicode White_Space, and U+FEFF (which BERT's normalizer and JavaScript's \\s treat as space). */
export function isWhitespace(code: number): boolean {
  return code === 0x20 || (code >= 0x09 && code <= 0x0d) || code === 0xa0 || code === 0x1680 || (code >= 0x2000 && code <= 0x200a) || code === 0x2028 || code === 0x2029 || code === 0x202f || code === 0x205f || code === 0x3000 || code === 0xfeff;
}
