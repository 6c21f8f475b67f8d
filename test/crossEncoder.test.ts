import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { CrossEncoder, InputError, ModelFormatError } from '../src/index.js';
import { sigmoid } from '../src/rerank/activation.js';
import { testModel } from './support/testModels.js';

const QUERY = 'how do I convert images between formats';
// Mixed lengths, so one batch pads several of them.
const DOCUMENTS = [
  'ImageMagick converts, resizes and edits images from the command line.',
  'A tiny text editor.',
  'The GIMP is an image manipulation program; it reads and writes many formats, including PNG, JPEG, TIFF and WebP, and can be scripted in Python or Scheme for batch conversion of whole directories.',
  'Berlin has 3.7 million inhabitants.',
  'convert input.png output.jpg',
  'Tools to view, convert and resize photos: a longer description that goes on about colour profiles, EXIF metadata, lossless rotation and thumbnails for file managers.',
];

const opened: CrossEncoder[] = [];
async function load(dir: string, options: Parameters<typeof CrossEncoder.load>[1] = {}): Promise<CrossEncoder> {
  const encoder = await CrossEncoder.load(dir, { threads: 1, ...options });
  opened.push(encoder);
  return encoder;
}
after(async () => {
  await Promise.all(opened.map((e) => e.close()));
});

function pearson(x: number[], y: number[]): number {
  const mean = (v: number[]) => v.reduce((s, n) => s + n, 0) / v.length;
  const [mx, my] = [mean(x), mean(y)];
  let [sxy, sxx, syy] = [0, 0, 0];
  x.forEach((xi, i) => {
    sxy += (xi - mx) * (y[i] - my);
    sxx += (xi - mx) ** 2;
    syy += (y[i] - my) ** 2;
  });
  return sxy / Math.sqrt(sxx * syy);
}

function assertClose(actual: number, expected: number, tolerance: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} vs ${expected} (tolerance ${tolerance})`);
}

test('fp32 scores equal an independent reference forward pass, for a batch of mixed lengths', async () => {
  const model = await testModel('tiny-bert');
  const encoder = await load(model.dir, { variant: 'fp32' });
  assert.equal(encoder.info.variant, 'fp32');
  assert.deepEqual(encoder.info.inputs.sort(), ['attention_mask', 'input_ids', 'token_type_ids']);
  const scores = await encoder.score(DOCUMENTS.map((d) => [QUERY, d]));
  const expected = DOCUMENTS.map((d) => {
    const e = encoder.encodePair(QUERY, d);
    return model.reference(e.inputIds, e.tokenTypeIds)[0];
  });
  scores.forEach((score, i) => assertClose(score, expected[i], 1e-4, `document ${i}`));
  // The check means something only if scores differ well beyond the tolerance.
  assert.ok(Math.max(...expected) - Math.min(...expected) > 0.05, `scores spread ${Math.max(...expected) - Math.min(...expected)}`);
});

test('token_type_ids reach the model: a different type id changes the reference score', async () => {
  const model = await testModel('tiny-bert');
  const encoder = await load(model.dir, { variant: 'fp32' });
  const e = encoder.encodePair(QUERY, DOCUMENTS[0]);
  const [score] = await encoder.score([[QUERY, DOCUMENTS[0]]]);
  const allZero = model.reference(e.inputIds, e.tokenTypeIds.map(() => 0))[0];
  assertClose(score, model.reference(e.inputIds, e.tokenTypeIds)[0], 1e-4, 'with pair type ids');
  assert.ok(Math.abs(score - allZero) > 1e-3, 'type ids made no difference: the test could not catch their loss');
});

test('a pair gets the same score whatever else is in its batch', async () => {
  const model = await testModel('tiny-bert');
  const whole = await load(model.dir, { variant: 'fp32' });
  const singles = await load(model.dir, { variant: 'fp32', maxBatchPairs: 1 });
  const smallTokens = await load(model.dir, { variant: 'fp32', maxBatchTokens: 64 });
  const pairs = DOCUMENTS.map((d) => [QUERY, d] as const);
  const together = await whole.score(pairs);
  const alone = await singles.score(pairs);
  const capped = await smallTokens.score(pairs);
  const longest = DOCUMENTS[2];
  const mixed = await whole.score([[QUERY, longest], [QUERY, 'x'], [QUERY, DOCUMENTS[0]]]);
  together.forEach((score, i) => {
    assertClose(alone[i], score, 1e-5, `alone ${i}`);
    assertClose(capped[i], score, 1e-5, `token-capped ${i}`);
  });
  assertClose(mixed[0], together[2], 1e-5, 'longest with others');
  assertClose(mixed[2], together[0], 1e-5, 'first with others');
});

test('two-label models score P(relevant) by softmax', async () => {
  const model = await testModel('tiny-bert-2label');
  const encoder = await load(model.dir);
  assert.equal(encoder.info.numLabels, 2);
  const scores = await encoder.score(DOCUMENTS.map((d) => [QUERY, d]));
  DOCUMENTS.forEach((d, i) => {
    const e = encoder.encodePair(QUERY, d);
    const [notRelevant, relevant] = model.reference(e.inputIds, e.tokenTypeIds);
    assertClose(scores[i], Math.exp(relevant) / (Math.exp(relevant) + Math.exp(notRelevant)), 1e-5, `document ${i}`);
    assert.ok(scores[i] > 0 && scores[i] < 1);
  });
});

test('RoBERTa-style model: no token_type_ids input, <s> A </s></s> B </s>, padded with its own pad id', async () => {
  const model = await testModel('tiny-roberta');
  const encoder = await load(model.dir);
  assert.deepEqual(encoder.info.inputs.sort(), ['attention_mask', 'input_ids']);
  assert.equal(encoder.encoder.padTokenId, 1);
  const e = encoder.encodePair('hello world', 'the cat');
  assert.equal(e.inputIds[0], 0);
  assert.ok(e.tokenTypeIds.every((t) => t === 0));
  const sepRun = e.inputIds.indexOf(2);
  assert.deepEqual(e.inputIds.slice(sepRun, sepRun + 2), [2, 2]);
  assert.equal(e.inputIds.at(-1), 2);
  const scores = await encoder.score(DOCUMENTS.map((d) => [QUERY, d]));
  DOCUMENTS.forEach((d, i) => {
    const pair = encoder.encodePair(QUERY, d);
    assertClose(scores[i], model.reference(pair.inputIds, pair.tokenTypeIds)[0], 1e-4, `document ${i}`);
  });
});

test('the default variant on CPU is the int8 export, close to fp32', async () => {
  const model = await testModel('tiny-bert');
  const int8 = await load(model.dir);
  const fp32 = await load(model.dir, { variant: 'fp32' });
  assert.equal(int8.info.variant, 'quantized');
  assert.match(int8.info.weights, /model_quantized\.onnx$/);
  const pairs = DOCUMENTS.map((d) => [QUERY, d] as const);
  const a = await int8.score(pairs);
  const b = await fp32.score(pairs);
  // int8 rounding moves each score a little but keeps what the scores say about relevance.
  const correlation = pearson(a, b);
  assert.ok(correlation > 0.95, `int8 vs fp32 correlation ${correlation}: ${a} vs ${b}`);
  assert.notDeepEqual(a, b);
});

test('sigmoid activation maps the one-label logit into [0, 1]', async () => {
  const model = await testModel('tiny-bert');
  const raw = await load(model.dir, { variant: 'fp32' });
  const squashed = await load(model.dir, { variant: 'fp32', activation: 'sigmoid' });
  const pairs = DOCUMENTS.map((d) => [QUERY, d] as const);
  const logits = await raw.score(pairs);
  const probabilities = await squashed.score(pairs);
  logits.forEach((logit, i) => assertClose(probabilities[i], sigmoid(logit), 1e-7, `document ${i}`));
});

test('rerank sorts by score, ties by input order; topN, returnDocuments and object documents', async () => {
  const model = await testModel('tiny-bert');
  const encoder = await load(model.dir, { variant: 'fp32' });
  const documents = [...DOCUMENTS, DOCUMENTS[1]]; // a duplicate ties with index 1
  const scores = await encoder.score(documents.map((d) => [QUERY, d]));
  const results = await encoder.rerank(QUERY, documents);
  assert.equal(results.length, documents.length);
  for (let i = 1; i < results.length; i++) {
    const [prev, next] = [results[i - 1], results[i]];
    assert.ok(prev.score > next.score || (prev.score === next.score && prev.index < next.index), 'not sorted');
  }
  results.forEach((r) => assert.equal(r.score, scores[r.index]));
  const tie = results.findIndex((r) => r.index === 1);
  assert.equal(results[tie + 1].index, documents.length - 1);
  assert.equal(results[0].document, undefined);

  const objects = documents.map((body, id) => ({ id, body }));
  const top = await encoder.rerank(QUERY, objects, { topN: 2, returnDocuments: true, textField: 'body' });
  assert.deepEqual(
    top.map((r) => r.index),
    results.slice(0, 2).map((r) => r.index),
  );
  assert.equal(top[0].document, objects[top[0].index]);
  assert.deepEqual(await encoder.rerank(QUERY, []), []);
});

test('chunking scores a long document by its best window', async () => {
  const model = await testModel('tiny-bert');
  const plain = await load(model.dir, { variant: 'fp32', maxLength: 24 });
  const chunked = await load(model.dir, { variant: 'fp32', maxLength: 24, chunking: { window: 10, stride: 6, maxChunks: 5 } });
  const long = DOCUMENTS[2];
  const [chunkScore] = await chunked.score([['images', long]]);
  const [truncatedScore] = await plain.score([['images', long]]);
  const query = plain.encoder.encodeText('images');
  const document = plain.encoder.encodeText(long);
  const windows = [0, 6, 12, 18, 24].map((start) => ({ ids: document.ids.slice(start, start + 10), tokens: document.tokens.slice(start, start + 10) }));
  const windowScores = windows.map((w) => {
    const e = plain.encoder.assemble(query, w, { maxLength: 24 });
    return model.reference(e.inputIds, e.tokenTypeIds)[0];
  });
  assertClose(chunkScore, Math.max(...windowScores), 1e-4, 'best window');
  assert.notEqual(chunkScore, truncatedScore);
  // A document that fits is scored whole, as without chunking.
  const [shortChunked] = await chunked.score([['images', 'a short one']]);
  const [shortPlain] = await plain.score([['images', 'a short one']]);
  assertClose(shortChunked, shortPlain, 1e-6, 'short document');
});

test('bad model directories and options get errors that name the problem', async () => {
  const model = await testModel('tiny-bert');
  await assert.rejects(CrossEncoder.load('/nonexistent/model'), (e: Error) => e instanceof ModelFormatError && /does not exist/.test(e.message));
  const broken = mkdtempSync(join(tmpdir(), 'crossrank-broken-'));
  try {
    await assert.rejects(CrossEncoder.load(broken), /config\.json is missing/);
    cpSync(model.dir, broken, { recursive: true });
    await assert.rejects(CrossEncoder.load(broken, { variant: 'fp16' }), /no fp16 weights \(looked for onnx\/model_fp16\.onnx/);
    rmSync(join(broken, 'onnx'), { recursive: true });
    await assert.rejects(CrossEncoder.load(broken), /no ONNX weights/);
    cpSync(model.dir, broken, { recursive: true });
    rmSync(join(broken, 'tokenizer.json'));
    await assert.rejects(CrossEncoder.load(broken), /tokenizer\.json is missing/);
  } finally {
    rmSync(broken, { recursive: true, force: true });
  }
  await assert.rejects(CrossEncoder.load(model.dir, { maxLength: 100000 }), (e: Error) => e instanceof InputError && /from 4 to 512/.test(e.message));
  const encoder = await load(model.dir);
  await assert.rejects(encoder.rerank('', ['a']), /query is empty/);
  await assert.rejects(encoder.rerank('q', [{ title: 'no text' }]), /documents\[0\] has no text/);
  await assert.rejects(encoder.rerank('q', ['a'], { topN: 0 }), /topN must be a positive integer/);
  const closing = await CrossEncoder.load(model.dir, { threads: 1 });
  await closing.close();
  await assert.rejects(closing.score([['q', 'd']]), /closed/);
});

test('a bad threads value is an InputError naming the option, not a model format error', async () => {
  const { dir } = await testModel('tiny-bert');
  await assert.rejects(CrossEncoder.load(dir, { threads: 0 }), (e: Error) => e instanceof InputError && /^threads must be a positive integer, got 0$/.test(e.message));
});
