import assert from 'node:assert/strict';
import type { PairEncoder } from '../../src/tokenize/pairEncoder.js';
import type { TruncationStrategy } from '../../src/tokenize/truncation.js';
import type { RustTokenizer } from './rustTokenizer.js';
import { mixedText, sampleTexts } from './sampleTexts.js';
import { seededRandom } from './seededRandom.js';

/**
 * Encodes random (query, document) pairs with `encoder` and with the Rust tokenizer, over random
 * max lengths, both truncation strategies and both truncation sides (a fifth from the left), and asserts they are equal id for id. Half the
 * texts are mixes of hard fragments (combining marks, half-width kana, ZWJ, control characters).
 * CROSSRANK_FUZZ_CASES sets the number of pairs (default 400).
 */
export async function compareWithRust(encoder: PairEncoder, rust: RustTokenizer, seed: number): Promise<void> {
  const texts = sampleTexts();
  const random = seededRandom(seed);
  const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)];
  const text = (): string => (random() < 0.5 ? mixedText(random) : pick(texts));
  let compared = 0;
  let truncated = 0;
  let refusals = 0;
  const cases = Number(process.env.CROSSRANK_FUZZ_CASES ?? 400);
  for (let i = 0; i < cases; i++) {
    const query = text().slice(0, Math.floor(random() * 300));
    const document = text();
    const maxLength = encoder.pairSpecialCount + 1 + Math.floor(random() * 80);
    const strategy: TruncationStrategy = random() < 0.75 ? 'longest_first' : 'only_second';
    const direction = random() < 0.2 ? 'left' : 'right';
    const expected = await rust.encodePair(query, document, maxLength, strategy, direction);
    if (expected instanceof Error) {
      assert.throws(() => encoder.encodePair(query, document, { maxLength, truncation: strategy, direction }), /only_second/);
      refusals++;
      continue;
    }
    const actual = encoder.encodePair(query, document, { maxLength, truncation: strategy, direction });
    const where = JSON.stringify({ query, document: document.slice(0, 40), maxLength, strategy, direction });
    assert.deepEqual(actual.inputIds, expected.inputIds, where);
    assert.deepEqual(actual.tokenTypeIds, expected.tokenTypeIds, where);
    assert.deepEqual(actual.attentionMask, expected.attentionMask, where);
    // The Rust binding writes the whitespace that an lstrip/rstrip added token ([MASK], <mask>)
    // swallowed into that token's string; its id is the same, and ids are compared above.
    assert.deepEqual(actual.tokens, expected.tokens.map((token, i) => (token.trim() === actual.tokens[i] ? actual.tokens[i] : token)), where);
    compared++;
    if (actual.inputIds.length === maxLength) truncated++;
  }
  // The cases must exercise truncation, or the comparison proves little.
  assert.ok(compared > cases * 0.6 && truncated > cases * 0.35 && refusals > cases * 0.01, `compared ${compared}, truncated ${truncated}, refused ${refusals}`);
}
