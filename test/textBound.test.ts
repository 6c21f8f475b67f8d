import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CrossEncoder } from '../src/index.js';
import { readJsonObject } from '../src/model/index.js';
import { PairEncoder, type TextTokens } from '../src/tokenize/pairEncoder.js';
import { TextBound } from '../src/tokenize/textBound.js';
import type { TruncationStrategy } from '../src/tokenize/truncation.js';
import { bertVocabDir } from './support/paths.js';
import { RustTokenizer } from './support/rustTokenizer.js';
import { seededRandom } from './support/seededRandom.js';
import { testModel } from './support/testModels.js';

// A huge text is cut before tokenizing (TextBound). The cut must be invisible: the tokens kept,
// and whether there were more, are checked id for id against the whole text's encoding, on
// texts made to be hard to cut: whitespace runs, long words, punctuation runs, CJK, Σ next to
// punctuation (final sigma), added tokens, combining marks.

interface Tokenizer {
  name: string;
  encoder: PairEncoder;
  json: Record<string, unknown>;
  rust: RustTokenizer;
}

async function tokenizers(): Promise<Tokenizer[]> {
  return [
    { name: 'BERT', dir: bertVocabDir },
    { name: 'RoBERTa', dir: (await testModel('tiny-roberta')).dir },
    ...(await metaspaceTokenizerDirs()),
  ].map(({ name, dir }) => {
    const json = readJsonObject(`${dir}/tokenizer.json`);
    return { name, json, encoder: PairEncoder.fromJson(json, readJsonObject(`${dir}/tokenizer_config.json`)), rust: RustTokenizer.fromFile(`${dir}/tokenizer.json`) };
  });
}

/** Sentencepiece layouts: a Precompiled (nmt_nfkc) charsmap, then Metaspace with split; DeBERTa-v3 strips first. */
async function metaspaceTokenizerDirs(): Promise<Array<{ name: string; dir: string }>> {
  return [
    { name: 'XLM-R', dir: (await testModel('tiny-xlmr')).dir },
    { name: 'DeBERTa-v3', dir: (await testModel('tiny-debertav3')).dir },
  ];
}

function hardText(random: () => number, length: number): string {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const repeat = (piece: string, max: number): string => piece.repeat(1 + Math.floor(random() * max));
  const pieces: Array<() => string> = [
    () => pick(['the', 'Model', 'reranks', 'ΟΔΟΣ', 'naïve', 'e\u0301', 'don\'t', '42', 'x7']),
    () => ' ',
    () => repeat(pick([' ', '\n', '\t', ' \u3000', '\u00a0']), 300),
    () => repeat(pick(['a', 'Zq', 'ß']), 400), // a long word: one [UNK] for BERT
    () => repeat(pick(['.', ',', '!?', '-', '$', '::', '\'', '^`']), 200),
    () => repeat(pick(['中', '文字', 'の', '한국어']), 20),
    () => pick(['Σ.', '.Σ', 'ΑΣ..', '..Σ', 'Σ']),
    () => pick(['[SEP]', '[CLS]', '</s>', '<s>', '<mask>', '[MASK].']),
    () => pick(['🚀', '\u0301', '\ud83d', 'İ']),
  ];
  let text = '';
  while (text.length < length) text += pick(pieces)();
  return text;
}

function lastOrFirst(tokens: TextTokens, keep: number, side: 'right' | 'left'): number[] {
  return side === 'right' ? tokens.ids.slice(0, keep) : tokens.ids.slice(Math.max(0, tokens.ids.length - keep));
}

/** Asserts that the text cut before tokenizing keeps the whole text's first (right) or last (left)
 * `keep` tokens, and is over `keep` exactly when the whole is; true where the cut dropped tokens. */
function assertCutKeepsTokens(encoder: PairEncoder, text: string, full: TextTokens, keep: number, side: 'right' | 'left', where: string): boolean {
  const bounded = encoder.encodeTextBounded(text, keep, side);
  assert.deepEqual(lastOrFirst(bounded, keep, side), lastOrFirst(full, keep, side), where);
  assert.equal(bounded.ids.length > keep, full.ids.length > keep, where);
  return bounded.ids.length < full.ids.length;
}

test('a text cut before tokenizing keeps exactly the tokens of the whole text: BERT, RoBERTa, XLM-R, DeBERTa-v3, both sides', async () => {
  const random = seededRandom(1101);
  for (const { name, encoder } of await tokenizers()) {
    let cut = 0;
    for (let i = 0; i < 250; i++) {
      const text = hardText(random, Math.floor(random() * 6000));
      const full = encoder.encodeText(text);
      for (const side of ['right', 'left'] as const) {
        const keep = 1 + Math.floor(random() * 120);
        const where = `${name} ${side} keep ${keep}: ${JSON.stringify(text.slice(0, 80))}… (${text.length} characters)`;
        if (assertCutKeepsTokens(encoder, text, full, keep, side, where)) cut++;
      }
    }
    // The cases must exercise the cut, not only texts too short to cut.
    assert.ok(cut > 150, `${name}: ${cut} texts cut`);
  }
});

test('a prefixed text (an embedding prompt) cut before it is prefixed encodes as the whole prefixed text', async () => {
  const random = seededRandom(1103);
  const prefixes = ['passage: ', 'query: ', 'Represent this sentence for searching relevant passages: ', 'ΟΔΟΣ', '..Σ', '中', ' ', '[SEP]'];
  for (const { name, encoder } of await tokenizers()) {
    let cut = 0;
    for (let i = 0; i < 120; i++) {
      const prefix = prefixes[i % prefixes.length];
      const text = hardText(random, Math.floor(random() * 6000));
      const maxLength = encoder.singleSpecialCount + 1 + Math.floor(random() * 120);
      const prefixed = encoder.encodeSingle(text, { maxLength, prefix });
      const whole = encoder.encodeSingle(prefix + text, { maxLength });
      const where = `${name} maxLength ${maxLength} prefix ${JSON.stringify(prefix)}: ${JSON.stringify(text.slice(0, 80))}… (${text.length} characters)`;
      assert.deepEqual(prefixed, whole, where);
      if (encoder.encodeTextBounded(text, maxLength, 'right').ids.length < encoder.encodeText(text).ids.length) cut++;
    }
    assert.ok(cut > 60, `${name}: ${cut} texts cut`);
  }
});

test('pairs of cut texts encode as the whole texts do, and as the Rust tokenizer does', async () => {
  const random = seededRandom(1102);
  for (const { name, encoder, rust } of await tokenizers()) {
    let rustCompared = 0;
    for (let i = 0; i < 200; i++) {
      const query = hardText(random, Math.floor(random() * (random() < 0.3 ? 3000 : 60)));
      const document = hardText(random, Math.floor(random() * 5000));
      const maxLength = encoder.pairSpecialCount + 1 + Math.floor(random() * 100);
      const truncation: TruncationStrategy = random() < 0.7 ? 'longest_first' : 'only_second';
      const direction = random() < 0.5 ? 'right' : 'left';
      const options = { maxLength, truncation, direction } as const;
      const where = `${name} ${JSON.stringify({ maxLength, truncation, direction, query: query.slice(0, 40), document: document.slice(0, 40) })}`;
      let whole: number[] | Error;
      try {
        whole = encoder.assemble(encoder.encodeText(query), encoder.encodeText(document), options).inputIds;
      } catch (error) {
        whole = error as Error;
      }
      let bounded: number[] | Error;
      try {
        bounded = encoder.encodePair(query, document, options).inputIds;
      } catch (error) {
        bounded = error as Error;
      }
      if (whole instanceof Error) assert.ok(bounded instanceof Error, where);
      else assert.deepEqual(bounded, whole, where);
      const reference = await rust.encodePair(query, document, maxLength, truncation, direction);
      if (!(reference instanceof Error) && !(whole instanceof Error) && reference.inputIds.join() === whole.join()) {
        assert.deepEqual(bounded, reference.inputIds, where);
        rustCompared++;
      }
    }
    assert.ok(rustCompared > 100, `${name}: ${rustCompared} pairs equal to the Rust tokenizer's`);
  }
});

/**
 * Texts hard to cut for the charsmap and Metaspace: what the charsmap folds or removes next to a
 * space (fullwidth letters, U+2026, ideographic and no-break spaces, zero-width characters, control
 * characters), combining marks and emoji modifiers after a space, Arabic number signs (Prepend,
 * which joins the next character into one grapheme), a literal ▁, space runs, tabs and newlines.
 */
function metaspaceText(random: () => number, length: number): string {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const pieces: Array<() => string> = [
    () => pick(['the', 'Model', 'reranks', 'naïve', 'don\'t', '42', 'x.', 'a,', '(b)', 'ｆｕｌｌ', 'ﬁne', '…', 'Ⅻ']),
    () => ' ',
    () => ' '.repeat(1 + Math.floor(random() * 30)),
    () => pick(['\t', '\n', '\r\n', '\u3000', '\u00a0', '\u200b', '\u200d', '\ufeff', '\u0001', '\u0085', '\u2028']),
    () => pick(['\u0301', '\u0308', '\u0e33', '\ud83c\udffb', '\u200c', '\u0903']),
    () => pick(['\u0600', '\u0601', '\u06dd', '\u070f']),
    () => pick(['\u2581', '\u2581\u2581', 'a\u2581b']),
    () => pick(['中文', 'の', '한국어', 'Ελληνικά', 'Σ.']),
    () => pick(['<s>', '</s>', '<mask>', '[CLS]', '[SEP]', '[MASK]', '<unk>', ' <mask> ']),
    () => 'x'.repeat(1 + Math.floor(random() * 300)),
    () => pick(['.', '..', '!?', '-', ':']).repeat(1 + Math.floor(random() * 50)),
  ];
  let text = '';
  while (text.length < length) text += pick(pieces)();
  return text;
}

test('Metaspace (XLM-R, DeBERTa-v3): a cut text keeps exactly the tokens of the whole text, which are the Rust tokenizer\'s', async () => {
  const random = seededRandom(1104);
  for (const { name, dir } of await metaspaceTokenizerDirs()) {
    const json = readJsonObject(`${dir}/tokenizer.json`);
    const encoder = PairEncoder.fromJson(json, readJsonObject(`${dir}/tokenizer_config.json`));
    const rust = RustTokenizer.fromFile(`${dir}/tokenizer.json`);
    assert.equal(new TextBound(json).cuts, true, name);
    const cuts = { right: 0, left: 0 };
    let rustCompared = 0;
    for (let i = 0; i < 300; i++) {
      const text = metaspaceText(random, Math.floor(random() * 5000));
      const full = encoder.encodeText(text);
      for (const side of ['right', 'left'] as const) {
        const keep = 1 + Math.floor(random() * 120);
        const where = `${name} ${side} keep ${keep}: ${JSON.stringify(text)}`;
        if (assertCutKeepsTokens(encoder, text, full, keep, side, where)) cuts[side]++;
        // The oracle: the Rust tokenizer truncating the pair (a one-word query, the text) as the model
        // would. Where the whole text's encoding already differs from it (U+0085 or U+FEFF before an
        // lstrip token: the library trims JavaScript's whitespace, Rust trims Unicode's), the cut is not to blame.
        const maxLength = encoder.pairSpecialCount + 1 + keep;
        const options = { maxLength, truncation: 'only_second', direction: side } as const;
        const reference = await rust.encodePair('query', text, maxLength, 'only_second', side);
        if (reference instanceof Error || encoder.assemble(encoder.encodeText('query'), full, options).inputIds.join() !== reference.inputIds.join()) continue;
        assert.deepEqual(encoder.encodePair('query', text, options).inputIds, reference.inputIds, where);
        rustCompared++;
      }
    }
    assert.ok(cuts.right > 150 && cuts.left > 100, `${name}: texts cut ${JSON.stringify(cuts)}`);
    assert.ok(rustCompared > 500, `${name}: ${rustCompared} encodings compared with the Rust tokenizer's`);
  }
});

test('Metaspace: at every position cut, the prefix encodes to the first tokens of the whole text, the suffix to its last', async () => {
  const random = seededRandom(1105);
  for (const { name, dir } of await metaspaceTokenizerDirs()) {
    const json = readJsonObject(`${dir}/tokenizer.json`);
    const encoder = PairEncoder.fromJson(json, readJsonObject(`${dir}/tokenizer_config.json`));
    const bound = new TextBound(json);
    const checked = { right: 0, left: 0 };
    for (let i = 0; i < 600; i++) {
      // One piece at a time, half of them followed by a space: many positions to cut at.
      let text = '';
      for (let length = 20 + Math.floor(random() * 300); text.length < length; ) text += metaspaceText(random, 1) + (random() < 0.5 ? ' ' : '');
      const whole = encoder.encodeText(text).tokens;
      for (let at = 1; at < text.length; at++) {
        for (const side of ['right', 'left'] as const) {
          if (!bound.isCutAt(text, at, side)) continue;
          const part = encoder.encodeText(side === 'right' ? text.slice(0, at) : text.slice(at)).tokens;
          const expected = side === 'right' ? whole.slice(0, part.length) : whole.slice(whole.length - part.length);
          assert.deepEqual(part, expected, `${name} ${side} cut at ${at}: ${JSON.stringify(text.slice(Math.max(0, at - 20), at))} | ${JSON.stringify(text.slice(at, at + 20))}`);
          checked[side]++;
        }
      }
    }
    assert.ok(checked.right > 1000 && checked.left > 400, `${name}: cuts checked ${JSON.stringify(checked)}`);
  }
});

test('Metaspace: no cut where the charsmap or a combining mark could reach across it', async () => {
  const [{ dir }] = await metaspaceTokenizerDirs();
  const bound = new TextBound(readJsonObject(`${dir}/tokenizer.json`));
  const cutsOf = (text: string): number[] => {
    const seen: number[] = [];
    bound.encode(text, 1, 'right', (part) => {
      seen.push(part.length);
      return { ids: [...part].map(() => 0) };
    });
    return seen;
  };
  // Each text is long enough to be cut; the only space is where a cut would be wrong.
  const pad = 'x'.repeat(100);
  for (const [why, text] of [
    ['a combining mark after the space joins it', `${pad} \u0301${pad}`],
    ['an emoji modifier after the space joins it', `${pad} \ud83c\udffb${pad}`],
    ['a Prepend character joins the character before the space', `${pad}\u0600x ${pad}`],
    ['U+3000 before the space becomes a space', `${pad}\u3000 ${pad}`],
    ['a zero-width space before the space is removed', `${pad}\u200b ${pad}`],
    ['a fullwidth letter before the space: not ASCII', `${pad}ｆ ${pad}`],
    ['a space run starts after a space', `x  ${pad}${pad}`.slice(1)],
  ] as const) {
    assert.deepEqual(cutsOf(text), [text.length], why);
  }
  // And a plain space after a plain character is cut at.
  assert.deepEqual(cutsOf(`${pad} ${pad}${pad}`), [100]);
});

test('the cost of a huge text is bounded by the tokens kept, not by its length', async () => {
  const [bert, roberta, xlmr, deberta] = await tokenizers();
  const huge = {
    dots: '.'.repeat(2_000_000),
    words: 'relevant passage about reranking '.repeat(60_000),
    // 513 tokens take about 260 K characters here, a sixth of the text
    whitespaceRuns: `${' '.repeat(500)}word\n`.repeat(3000),
    longWords: `${'x'.repeat(300)} `.repeat(5000),
  };
  for (const [kind, text] of Object.entries(huge)) {
    // No Metaspace cut follows a newline or a space: whitespace runs are tokenized whole there.
    for (const { name, json, encoder } of kind === 'dots' ? [bert] : kind === 'whitespaceRuns' ? [bert, roberta] : [bert, roberta, xlmr, deberta]) {
      for (const side of ['right', 'left'] as const) {
        let longest = 0;
        const tokens = new TextBound(json).encode(text, 512, side, (part) => {
          longest = Math.max(longest, part.length);
          return encoder.encodeText(part);
        });
        assert.ok(tokens.ids.length > 512, `${name} ${kind} ${side}: ${tokens.ids.length} tokens`);
        // The part grows by doubling: at most twice what holds the tokens kept, well under the whole text.
        assert.ok(longest <= text.length / 2, `${name} ${kind} ${side}: tokenized ${longest} of ${text.length} characters`);
      }
    }
  }
});

test('tokenizers this bound does not know are tokenized whole', () => {
  const unknown = new TextBound({ normalizer: null, pre_tokenizer: { type: 'Metaspace', split: false } });
  assert.equal(unknown.cuts, false);
  const seen: number[] = [];
  unknown.encode('a b '.repeat(10_000), 5, 'right', (part) => {
    seen.push(part.length);
    return { ids: [...part].map(() => 0) };
  });
  assert.deepEqual(seen, [40_000]);
  assert.equal(new TextBound({ normalizer: { type: 'Strip' }, pre_tokenizer: { type: 'BertPreTokenizer' } }).cuts, false);
});

test('the reranker encodes huge documents as it would whole: per-document caps, both directions, chunking', async () => {
  const dir = (await testModel('tiny-bert')).dir;
  const random = seededRandom(1103);
  for (const chunking of [false, true, { stride: 7, maxChunks: 3 }]) {
    const bounded = await CrossEncoder.load(dir, { variant: 'fp32', threads: 1, chunking });
    const whole = await CrossEncoder.load(dir, { variant: 'fp32', threads: 1, chunking });
    // The reference: the same engine with the bound taken out.
    const wholeEncoder = (whole as unknown as { encoder: PairEncoder }).encoder;
    wholeEncoder.encodeTextBounded = (text) => wholeEncoder.encodeText(text);
    try {
      let cut = 0;
      for (let i = 0; i < 60; i++) {
        const pairs = Array.from({ length: 3 }, () => [hardText(random, Math.floor(random() * (random() < 0.2 ? 3000 : 40))), hardText(random, Math.floor(random() * 12_000))] as const);
        const options = { maxDocumentTokens: [undefined, 5, 40, 300][Math.floor(random() * 4)], truncationDirection: random() < 0.5 ? ('left' as const) : ('right' as const) };
        const actual = bounded.encodePairs(pairs, options);
        const expected = whole.encodePairs(pairs, options);
        const where = JSON.stringify({ chunking, options, pairs: pairs.map(([q, d]) => [q.length, d.length]) });
        assert.deepEqual(actual.encodings.map((e) => e.inputIds), expected.encodings.map((e) => e.inputIds), where);
        assert.deepEqual(actual.truncated, expected.truncated, where);
        assert.deepEqual(actual.owners, expected.owners, where);
        cut += pairs.filter(([, d]) => d.length > 4000).length;
      }
      assert.ok(cut > 50, `${cut} long documents`);
    } finally {
      await bounded.close();
      await whole.close();
    }
  }
});
