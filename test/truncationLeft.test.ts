import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readJsonObject } from '../src/model/index.js';
import { PairEncoder } from '../src/tokenize/pairEncoder.js';
import type { TruncationStrategy } from '../src/tokenize/truncation.js';
import { bertVocabDir } from './support/paths.js';
import { RustTokenizer } from './support/rustTokenizer.js';
import { sampleTexts } from './support/sampleTexts.js';
import { seededRandom } from './support/seededRandom.js';
import { testModel } from './support/testModels.js';

// Truncation from the left (TEI's truncation_direction "Left", transformers' truncation_side="left"):
// each side keeps its last tokens. When both sides reach max_length, Hugging Face tokenizes
// from the end and stops early, which decides the odd token; this follows it.
async function compareLeftWithRust(encoder: PairEncoder, rust: RustTokenizer, seed: number): Promise<void> {
  const texts = sampleTexts();
  const random = seededRandom(seed);
  const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)];
  let compared = 0;
  let bothLong = 0;
  for (let i = 0; i < 300; i++) {
    const query = pick(texts).slice(0, Math.floor(random() * 400));
    const document = pick(texts);
    const maxLength = encoder.pairSpecialCount + 1 + Math.floor(random() * 60);
    const strategy: TruncationStrategy = random() < 0.8 ? 'longest_first' : 'only_second';
    const expected = await rust.encodePair(query, document, maxLength, strategy, 'left');
    if (expected instanceof Error) continue;
    const actual = encoder.encodePair(query, document, { maxLength, truncation: strategy, direction: 'left' });
    const where = JSON.stringify({ query: query.slice(0, 40), document: document.slice(0, 40), maxLength, strategy });
    assert.deepEqual(actual.inputIds, expected.inputIds, where);
    assert.deepEqual(actual.tokenTypeIds, expected.tokenTypeIds, where);
    compared++;
    if (encoder.encodeText(query).ids.length >= maxLength && encoder.encodeText(document).ids.length >= maxLength) bothLong++;
  }
  assert.ok(compared > 200 && bothLong > 30, `compared ${compared}, both sides at least max_length ${bothLong}`);
}

test('left truncation equals the Hugging Face (Rust) tokenizer with truncation_side left: BERT', async () => {
  const bert = PairEncoder.fromJson(readJsonObject(`${bertVocabDir}/tokenizer.json`), readJsonObject(`${bertVocabDir}/tokenizer_config.json`));
  await compareLeftWithRust(bert, RustTokenizer.fromFile(`${bertVocabDir}/tokenizer.json`), 21);
});

test('left truncation equals the Hugging Face (Rust) tokenizer with truncation_side left: RoBERTa', async () => {
  const dir = (await testModel('tiny-roberta')).dir;
  const roberta = PairEncoder.fromJson(readJsonObject(`${dir}/tokenizer.json`), readJsonObject(`${dir}/tokenizer_config.json`));
  await compareLeftWithRust(roberta, RustTokenizer.fromFile(`${dir}/tokenizer.json`), 22);
});

test('left truncation keeps the end of a long document', () => {
  const bert = PairEncoder.fromJson(readJsonObject(`${bertVocabDir}/tokenizer.json`), readJsonObject(`${bertVocabDir}/tokenizer_config.json`));
  const document = 'a b c d e f g h i j';
  assert.deepEqual(bert.encodePair('q', document, { maxLength: 8, direction: 'left' }).tokens, ['[CLS]', 'q', '[SEP]', 'g', 'h', 'i', 'j', '[SEP]']);
  assert.deepEqual(bert.encodePair('q', document, { maxLength: 8 }).tokens, ['[CLS]', 'q', '[SEP]', 'a', 'b', 'c', 'd', '[SEP]']);
});
