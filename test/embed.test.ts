import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { BiEncoder, type BiEncoderOptions } from '../src/embed/biEncoder.js';
import { ModelFormatError } from '../src/errors.js';
import { readJsonObject } from '../src/model/index.js';
import { PairEncoder } from '../src/tokenize/pairEncoder.js';
import { bertVocabDir } from './support/paths.js';
import { RustTokenizer } from './support/rustTokenizer.js';
import { sampleTexts } from './support/sampleTexts.js';
import { seededRandom } from './support/seededRandom.js';
import { testModel, type TestModel } from './support/testModels.js';
import { cosine } from './support/vectors.js';

// Mixed lengths, so a batch pads most of them.
const TEXTS = [
  'ImageMagick converts, resizes and edits images from the command line.',
  'A tiny text editor.',
  'The GIMP is an image manipulation program; it reads and writes many formats, including PNG, JPEG, TIFF and WebP.',
  'Berlin',
  'convert input.png output.jpg',
];

const opened: BiEncoder[] = [];
const temps: string[] = [];
async function load(dir: string, options: BiEncoderOptions = {}): Promise<BiEncoder> {
  const encoder = await BiEncoder.load(dir, { threads: 1, ...options });
  opened.push(encoder);
  return encoder;
}
after(async () => {
  await Promise.all(opened.map((e) => e.close()));
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

/** Pools the float64 reference states of one text as sentence-transformers would, written out plainly. */
function referenceEmbedding(model: TestModel, inputIds: number[], tokenTypeIds: number[], pooling: 'mean' | 'cls' | 'max', normalize: boolean): number[] {
  const states = model.hiddenStates(inputIds, tokenTypeIds);
  const hidden = states[0].length;
  let vector: number[];
  if (pooling === 'cls') vector = [...states[0]];
  else if (pooling === 'max') vector = Array.from({ length: hidden }, (_, c) => Math.max(...states.map((s) => s[c])));
  else vector = Array.from({ length: hidden }, (_, c) => states.reduce((sum, s) => sum + s[c], 0) / states.length);
  if (!normalize) return vector;
  const norm = Math.sqrt(vector.reduce((sum, v) => sum + v * v, 0));
  return vector.map((v) => v / norm);
}

function assertVectorClose(actual: Float32Array, expected: number[], tolerance: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  assert.ok(worst <= tolerance, `${what}: max difference ${worst} > ${tolerance}`);
}

test('tiny-embed: the model files say mean pooling, Normalize, max_seq_length 128 and e5 prompts', async () => {
  const model = await testModel('tiny-embed');
  const encoder = await load(model.dir);
  assert.deepEqual(encoder.info.pooling, ['mean']);
  assert.equal(encoder.info.poolingSource, '1_Pooling/config.json');
  assert.equal(encoder.info.normalize, true);
  assert.equal(encoder.info.maxLength, 128);
  assert.equal(encoder.info.dimension, model.spec.hidden);
  assert.equal(encoder.info.queryPrefix, 'query: ');
  assert.equal(encoder.info.documentPrefix, 'passage: ');
});

test('mean-pooled, normalised embeddings equal the float64 reference, for a batch of mixed lengths', async () => {
  const model = await testModel('tiny-embed');
  const encoder = await load(model.dir);
  const vectors = await encoder.embed(TEXTS);
  TEXTS.forEach((text, i) => {
    const e = encoder.encode(text);
    assertVectorClose(vectors[i], referenceEmbedding(model, e.inputIds, e.tokenTypeIds, 'mean', true), 1e-4, `text ${i}`);
    const norm = Math.sqrt(vectors[i].reduce((sum, v) => sum + v * v, 0));
    assert.ok(Math.abs(norm - 1) < 1e-5, `norm ${norm}`);
  });
  // Padding must not leak into the mean: the texts differ, and so must their vectors, clearly.
  assert.ok(cosine(vectors[0], vectors[3]) < 0.99, 'vectors barely differ: the comparison proves little');
});

test('CLS and max pooling, and normalisation off, follow the reference too', async () => {
  const model = await testModel('tiny-embed');
  for (const pooling of ['cls', 'max'] as const) {
    const encoder = await load(model.dir, { pooling, normalize: false });
    const vectors = await encoder.embed(TEXTS);
    TEXTS.forEach((text, i) => {
      const e = encoder.encode(text);
      assertVectorClose(vectors[i], referenceEmbedding(model, e.inputIds, e.tokenTypeIds, pooling, false), 1e-4, `${pooling} text ${i}`);
    });
    const norms = vectors.map((v) => Math.sqrt(v.reduce((sum, x) => sum + x * x, 0)));
    assert.ok(norms.some((n) => Math.abs(n - 1) > 0.01), `${pooling}: unnormalised vectors all have norm 1`);
  }
});

test("a text's vector does not depend on its batch", async () => {
  const model = await testModel('tiny-embed');
  const together = await (await load(model.dir)).embed(TEXTS);
  const alone = await (await load(model.dir, { maxBatchTexts: 1 })).embed(TEXTS);
  const capped = await (await load(model.dir, { maxBatchTokens: 40 })).embed(TEXTS);
  TEXTS.forEach((_, i) => {
    assertVectorClose(together[i], Array.from(alone[i]), 1e-5, `alone ${i}`);
    assertVectorClose(together[i], Array.from(capped[i]), 1e-5, `token-capped ${i}`);
  });
});

test('texts longer than max_seq_length are cut to it, as sentence-transformers does', async () => {
  const model = await testModel('tiny-embed');
  const encoder = await load(model.dir);
  const long = Array.from({ length: 300 }, (_, i) => `word${i % 17}`).join(' ');
  const e = encoder.encode(long);
  assert.equal(e.inputIds.length, 128);
  assert.equal(e.tokens[0], '[CLS]');
  assert.equal(e.tokens[127], '[SEP]');
  const [vector] = await encoder.embed([long]);
  assertVectorClose(vector, referenceEmbedding(model, e.inputIds, e.tokenTypeIds, 'mean', true), 1e-4, 'truncated');
});

test('query and document prefixes: the prompts of the model, or the options', async () => {
  const model = await testModel('tiny-embed');
  const encoder = await load(model.dir);
  const [query] = await encoder.embedQueries(['convert images']);
  const [document] = await encoder.embedDocuments(['convert images']);
  const [withQueryPrefix, withPassagePrefix, bare] = await encoder.embed(['query: convert images', 'passage: convert images', 'convert images']);
  assertVectorClose(query, Array.from(withQueryPrefix), 1e-6, 'query prefix');
  assertVectorClose(document, Array.from(withPassagePrefix), 1e-6, 'document prefix');
  assert.ok(cosine(query, bare) < 0.9999, 'the prefix changed nothing');
  const plain = await load(model.dir, { queryPrefix: '', documentPrefix: '' });
  const [unprefixed] = await plain.embedQueries(['convert images']);
  assertVectorClose(unprefixed, Array.from(bare), 1e-6, 'no prefix');
});

test('a pooled sentence_embedding output is taken as it is', async () => {
  const model = await testModel('tiny-embed-pooled');
  const encoder = await load(model.dir);
  assert.equal(encoder.info.queryPrefix, '');
  const vectors = await encoder.embed(TEXTS);
  TEXTS.forEach((text, i) => {
    const e = encoder.encode(text);
    assertVectorClose(vectors[i], referenceEmbedding(model, e.inputIds, e.tokenTypeIds, 'mean', true), 1e-4, `text ${i}`);
  });
});

test('modules crossrank cannot run, and unsupported pooling, are errors that name them', async () => {
  const model = await testModel('tiny-embed');
  const dir = mkdtempSync(join(tmpdir(), 'crossrank-embed-'));
  temps.push(dir);
  cpSync(model.dir, dir, { recursive: true });
  const modules = readJsonObject(join(model.dir, '1_Pooling/config.json'));
  writeFileSync(join(dir, '1_Pooling/config.json'), JSON.stringify({ ...modules, pooling_mode_mean_tokens: false, pooling_mode_weightedmean_tokens: true }));
  await assert.rejects(BiEncoder.load(dir), (error: Error) => error instanceof ModelFormatError && /pooling_mode_weightedmean_tokens is not supported/.test(error.message));
  writeFileSync(
    join(dir, 'modules.json'),
    JSON.stringify([
      { idx: 0, name: '0', path: '', type: 'sentence_transformers.models.Transformer' },
      { idx: 1, name: '1', path: '2_Dense', type: 'sentence_transformers.models.Dense' },
    ]),
  );
  await assert.rejects(BiEncoder.load(dir), (error: Error) => error instanceof ModelFormatError && /sentence_transformers\.models\.Dense \(2_Dense\)/.test(error.message));
});

test('one text is encoded as the Hugging Face (Rust) tokenizer encodes it with truncation, id for id', async () => {
  const encoder = PairEncoder.fromJson(readJsonObject(`${bertVocabDir}/tokenizer.json`), readJsonObject(`${bertVocabDir}/tokenizer_config.json`));
  const rust = RustTokenizer.fromFile(`${bertVocabDir}/tokenizer.json`);
  const texts = sampleTexts();
  const random = seededRandom(23);
  let truncated = 0;
  for (let i = 0; i < 200; i++) {
    const text = texts[Math.floor(random() * texts.length)];
    const maxLength = encoder.singleSpecialCount + 1 + Math.floor(random() * 150);
    const expected = await rust.encodeSingle(text, maxLength);
    const actual = encoder.encodeSingle(text, { maxLength });
    const where = JSON.stringify({ text: text.slice(0, 40), maxLength });
    assert.deepEqual(actual.inputIds, expected.inputIds, where);
    assert.deepEqual(actual.tokenTypeIds, expected.tokenTypeIds, where);
    assert.deepEqual(actual.tokens, expected.tokens, where);
    if (actual.inputIds.length === maxLength) truncated++;
  }
  assert.ok(truncated > 50, `only ${truncated} of 200 cases were truncated`);
});
