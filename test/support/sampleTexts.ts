import { readFileSync } from 'node:fs';
import { benchInputs } from './paths.js';

/** Texts that stress normalisation and splitting: accents, CJK, emoji, punctuation, digits, odd spaces. */
export function sampleTexts(): string[] {
  const bench = JSON.parse(readFileSync(`${benchInputs}/varied-50.json`, 'utf8')) as { query: string; docs: string[] };
  return [
    bench.query,
    ...bench.docs.slice(0, 12),
    'Café naïve résumé — Ångström, façade; Œuvre',
    '北京是中国的首都。東京は日本の首都です。',
    'emoji 🚀🔥 and ZWJ 👩‍👩‍👧 and flags 🇩🇪',
    'tabs\tand\nnewlines\r\n  and   spaces',
    'x = f(y) + 3.14159e-10; // C++ & Rust <tags> "quotes" \'single\'',
    'unbelievably antidisestablishmentarianism hyperparameterization',
    '',
    '[CLS] [SEP] [PAD] [MASK] literal special tokens',
    'Combining: e\u0301 a\u0308 ﬁ ligature ＦＵＬＬＷＩＤＴＨ',
    'RTL: مرحبا بالعالم שלום עולם',
  ];
}

/**
 * Fragments where normalizers differ: decomposed (NFD) Latin, Vietnamese and Hangul, half-width
 * katakana with voiced marks, full-width forms, ligatures, emoji ZWJ sequences and skin tones,
 * Devanagari with virama and joiners, zero-width and control characters, BOM, NEL, odd spaces.
 */
export const HARD_FRAGMENTS: readonly string[] = [
  'e\u0301te\u0301', 'Vie\u0323\u0302t Nam', 'Tiếng Việt', '\u1100\u1161\u11a8\u1112\u1161\u11ab', '한국어',
  'ﾊﾞｽ', 'ｶﾞｷﾞｸﾞ ﾊﾟ', 'ＡＢＣ１２３', '（全角）', 'ﬁﬂ', '①②', '㍻㎏', 'x²³',
  '👩‍👩‍👧', '👍🏽', '🇩🇪', '🚀', 'क्षत्रिय', 'क्‍ष', 'ज्ञान', 'a\u200bb', 'c\u200dd', 'e\u200cf', 'g\u2060h',
  '\ufeffbom', 'nel\u0085', 'x\u0000y', 'bell\u0007', '\u001f', 'nb\u00a0sp', 'em\u2003sp', 'ideo\u3000sp',
  '東京', '北京', 'カタカナ', 'Ωμέγα', 'Привет', 'Größe', 'naïve', 'ŒUVRE', 'İstanbul', 'ß',
  'word', 'the', 'search', '3.14', '—', '...', '"quoted"', '<tags>',
];

/** A text of 1 to 8 random hard fragments joined by random spacing (none, one, two spaces, tab, newline). */
export function mixedText(random: () => number): string {
  const separators = ['', ' ', ' ', '  ', '\t', '\n'];
  const count = 1 + Math.floor(random() * 8);
  let text = '';
  for (let i = 0; i < count; i++) {
    if (i > 0) text += separators[Math.floor(random() * separators.length)];
    text += HARD_FRAGMENTS[Math.floor(random() * HARD_FRAGMENTS.length)];
  }
  return random() < 0.2 ? ` ${text} ` : text;
}
