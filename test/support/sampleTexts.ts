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
