import assert from 'node:assert/strict';
import { test } from 'node:test';
import { truncatedLengths } from '../src/tokenize/truncation.js';
import { InputError } from '../src/errors.js';

// The table of Hugging Face tokenizers' own unit test for LongestFirst (max_length 7, lengths 0/2/4/8).
const LONGEST_FIRST_7: Array<[number, number, number, number]> = [
  [0, 0, 0, 0], [0, 2, 0, 2], [0, 4, 0, 4], [0, 8, 0, 7],
  [2, 0, 2, 0], [2, 2, 2, 2], [2, 4, 2, 4], [2, 8, 2, 5],
  [4, 0, 4, 0], [4, 2, 4, 2], [4, 4, 3, 4], [4, 8, 3, 4],
  [8, 0, 7, 0], [8, 2, 5, 2], [8, 4, 4, 3], [8, 8, 3, 4],
];

test('longest_first keeps the lengths of the Hugging Face rule', () => {
  for (const [a, b, keepA, keepB] of LONGEST_FIRST_7) {
    assert.deepEqual(truncatedLengths(a, b, 7, 'longest_first'), [keepA, keepB], `lengths ${a}, ${b}`);
  }
});

test('longest_first: query longer, document longer, both over half the budget', () => {
  assert.deepEqual(truncatedLengths(30, 5, 20, 'longest_first'), [15, 5]); // query is the longer side
  assert.deepEqual(truncatedLengths(5, 30, 20, 'longest_first'), [5, 15]); // document is the longer side
  assert.deepEqual(truncatedLengths(12, 30, 20, 'longest_first'), [10, 10]); // both over half
  assert.deepEqual(truncatedLengths(30, 12, 21, 'longest_first'), [11, 10]); // odd budget: the longer side gets the extra token
  assert.deepEqual(truncatedLengths(12, 30, 21, 'longest_first'), [10, 11]);
  assert.deepEqual(truncatedLengths(25, 25, 21, 'longest_first'), [10, 11]); // equal: the document gets it
});

test('only_second truncates the document and refuses a query that leaves it no room', () => {
  assert.deepEqual(truncatedLengths(5, 30, 20, 'only_second'), [5, 15]);
  assert.deepEqual(truncatedLengths(12, 30, 20, 'only_second'), [12, 8]);
  assert.throws(() => truncatedLengths(25, 3, 20, 'only_second'), InputError);
});

test('a budget below zero is an error, not a negative slice', () => {
  assert.throws(() => truncatedLengths(1, 1, -1, 'longest_first'), /no room for the special tokens/);
});
