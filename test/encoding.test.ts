import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readJsonObject } from '../src/model/index.js';
import { PairEncoder } from '../src/tokenize/pairEncoder.js';
import { pairTemplateFromPostProcessor } from '../src/tokenize/pairTemplate.js';
import { bertVocabDir } from './support/paths.js';
import { RustTokenizer } from './support/rustTokenizer.js';
import { compareWithRust } from './support/encodingParity.js';
import { testModel } from './support/testModels.js';

const bert = PairEncoder.fromJson(readJsonObject(`${bertVocabDir}/tokenizer.json`), readJsonObject(`${bertVocabDir}/tokenizer_config.json`));
const reference = RustTokenizer.fromFile(`${bertVocabDir}/tokenizer.json`);

test('known ids: "How many people live in Berlin?"', () => {
  const { ids } = bert.encodeText('How many people live in Berlin?');
  assert.deepEqual([101, ...ids, 102], [101, 2129, 2116, 2111, 2444, 1999, 4068, 1029, 102]);
});

test('a BERT pair: [CLS] query [SEP] gets type 0, document [SEP] type 1', () => {
  const encoding = bert.encodePair('How many people live in Berlin?', 'Berlin has 3.7 million inhabitants.', { maxLength: 512 });
  assert.deepEqual(encoding.inputIds, [101, 2129, 2116, 2111, 2444, 1999, 4068, 1029, 102, 4068, 2038, 1017, 1012, 1021, 2454, 4864, 1012, 102]);
  assert.deepEqual(encoding.tokenTypeIds, [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
  assert.deepEqual(encoding.attentionMask, new Array(18).fill(1));
  assert.equal(encoding.tokens[0], '[CLS]');
  assert.equal(encoding.tokens[8], '[SEP]');
});

test('truncation: the query longer, the document longer, both over half the budget', () => {
  const long = 'one two three four five six seven eight nine ten eleven twelve';
  const short = 'alpha beta';
  const queryLonger = bert.encodePair(long, short, { maxLength: 10 });
  assert.deepEqual(queryLonger.tokens, ['[CLS]', 'one', 'two', 'three', 'four', 'five', '[SEP]', 'alpha', 'beta', '[SEP]']);
  const documentLonger = bert.encodePair(short, long, { maxLength: 10 });
  assert.deepEqual(documentLonger.tokens, ['[CLS]', 'alpha', 'beta', '[SEP]', 'one', 'two', 'three', 'four', 'five', '[SEP]']);
  const both = bert.encodePair(long, `${long} thirteen`, { maxLength: 12 }); // budget 9: 4 + 5
  assert.deepEqual(both.tokens, ['[CLS]', 'one', 'two', 'three', 'four', '[SEP]', 'one', 'two', 'three', 'four', 'five', '[SEP]']);
  assert.deepEqual(both.tokenTypeIds, [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1]);
  const onlySecond = bert.encodePair('alpha beta gamma', long, { maxLength: 10, truncation: 'only_second' });
  assert.deepEqual(onlySecond.tokens, ['[CLS]', 'alpha', 'beta', 'gamma', '[SEP]', 'one', 'two', 'three', 'four', '[SEP]']);
});

test('both sides at least max_length: the odd token follows the split-capped lengths (tokenizers >= 0.23)', () => {
  // "cafe naive resume — ang ##strom , facade ; œ ##u ##vre" is 12 tokens; its split reaching
  // max_length 10 ends at 12, the document's at 10, so the query counts as longer and gets 4 of 7.
  const query = 'Café naïve résumé — Ångström, façade; Œuvre';
  const document = 'a b c d e f g h i j k l m n o p q r s t u v w x y z';
  const encoding = bert.encodePair(query, document, { maxLength: 10 });
  assert.deepEqual(encoding.tokens, ['[CLS]', 'cafe', 'naive', 'resume', '—', '[SEP]', 'a', 'b', 'c', '[SEP]']);
  // Twelve one-token words: both capped at 10, equal, so the document gets the odd token.
  const even = bert.encodePair('a b c d e f g h i j k l', document, { maxLength: 10 });
  assert.deepEqual(even.tokens, ['[CLS]', 'a', 'b', 'c', '[SEP]', 'a', 'b', 'c', 'd', '[SEP]']);
});

test('BERT pairs equal the Hugging Face (Rust) tokenizer id for id, over random texts, lengths and strategies', async () => {
  await compareWithRust(bert, reference, 7);
});

test('RoBERTa (byte-level BPE) pairs equal the Hugging Face (Rust) tokenizer id for id', async () => {
  const dir = (await testModel('tiny-roberta')).dir;
  const roberta = PairEncoder.fromJson(readJsonObject(`${dir}/tokenizer.json`), readJsonObject(`${dir}/tokenizer_config.json`));
  assert.equal(roberta.pairSpecialCount, 4);
  await compareWithRust(roberta, RustTokenizer.fromFile(`${dir}/tokenizer.json`), 11);
});

test('pair templates: BertProcessing and RobertaProcessing', () => {
  const bertTemplate = pairTemplateFromPostProcessor({ type: 'BertProcessing', sep: ['[SEP]', 102], cls: ['[CLS]', 101] });
  assert.equal(bertTemplate.pairSpecialCount, 3);
  assert.deepEqual(
    bertTemplate.pair.map((p) => p.typeId),
    [0, 0, 0, 1, 1],
  );
  const roberta = pairTemplateFromPostProcessor({ type: 'RobertaProcessing', sep: ['</s>', 2], cls: ['<s>', 0], trim_offsets: true, add_prefix_space: true });
  assert.equal(roberta.pairSpecialCount, 4);
  assert.ok(roberta.pair.every((p) => p.typeId === 0));
  assert.throws(() => pairTemplateFromPostProcessor({ type: 'Mystery' }), /not supported/);
});
