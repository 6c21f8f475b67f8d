// Quantized and half-precision variants of the tiny Qwen3 in both export forms (plain ops,
// GroupQueryAttention): model_quantized.onnx (int8, ONNX Runtime's dynamic-quantization
// pattern), model_q4.onnx (4-bit com.microsoft.MatMulNBits, block 32) and model_fp16.onnx (the
// whole graph, cache and logits in float16), chosen by variant selection from a folder and from a
// hub listing; int8 and fp16 scored against fp32, q4 against the float64 reference on the weights
// the file stores; cut and uncut.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { after, before, test } from 'node:test';
import { float16Bits } from '../scripts/model-gen/onnxBuilder.js';
import { Q4_BLOCK_SIZE, quantizeBlockwise4 } from '../scripts/model-gen/quantize.js';
import { ensureQwen3Model, QWEN3_CACHE_ROOT, TINY_QWEN3, type Qwen3Export } from '../scripts/model-gen/qwen3Model.js';
import { generateQwen3Weights, type Qwen3Weights } from '../scripts/model-gen/qwen3Weights.js';
import { selectModelFiles } from '../src/hub/fileSelection.js';
import { LlmReranker } from '../src/rerank/llmReranker.js';
import { qwen3LastHidden } from './reference/qwen3Reference.js';
import { yesNoIds } from './support/llmCheck.js';
import { sampleTexts } from './support/sampleTexts.js';

const FORMS = ['plain', 'group-query'] as const;
type Form = (typeof FORMS)[number];
const FILES: Qwen3Export['files'] = { 'model.onnx': 'fp32', 'model_quantized.onnx': 'int8', 'model_q4.onnx': 'q4', 'model_fp16.onnx': 'fp16' };
const QUERY = 'What is the capital of China?';
const DOCUMENTS = [...sampleTexts().slice(0, 8), 'yes', 'Beijing'];
const weights = generateQwen3Weights(TINY_QWEN3);

const dirs = new Map<Form, string>();
const fp32 = new Map<Form, number[]>();
let YES: number;
let NO: number;

before(async () => {
  for (const attention of FORMS) {
    const dir = await ensureQwen3Model(`qwen3-reranker-tiny-${attention}-variants`, TINY_QWEN3, QWEN3_CACHE_ROOT, { attention, files: FILES });
    dirs.set(attention, dir);
    const reranker = await LlmReranker.load(dir, { threads: 1, variant: 'fp32' });
    fp32.set(attention, await reranker.score(QUERY, DOCUMENTS));
    await reranker.close();
  }
  [YES, NO] = await yesNoIds(dirs.get('plain') as string);
});

const open: LlmReranker[] = [];
after(() => Promise.all(open.map((r) => r.close())));

async function load(form: Form, options: Parameters<typeof LlmReranker.load>[1]): Promise<LlmReranker> {
  const reranker = await LlmReranker.load(dirs.get(form) as string, { threads: 1, ...options });
  open.push(reranker);
  return reranker;
}

test('variant selection: int8 by default on CPU, fp32, fp16 and q4 when asked, from a folder and from a hub listing', async () => {
  for (const form of FORMS) {
    assert.match((await load(form, {})).info.weights, /onnx\/model_quantized\.onnx$/);
    assert.match((await load(form, { variant: 'fp32' })).info.weights, /onnx\/model\.onnx$/);
    assert.match((await load(form, { variant: 'fp16' })).info.weights, /onnx\/model_fp16\.onnx$/);
    const q4 = await load(form, { variant: 'q4' });
    assert.equal(q4.info.variant, 'q4');
    assert.match(q4.info.weights, /onnx\/model_q4\.onnx$/);
  }
  // onnx-community/Qwen3-Reranker-0.6B-ONNX ships only these two weight files.
  const listing = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model_quantized.onnx', 'onnx/model_q4.onnx'];
  assert.equal(selectModelFiles('onnx-community/Qwen3-Reranker-0.6B-ONNX', listing).weights, 'onnx/model_quantized.onnx');
  assert.equal(selectModelFiles('onnx-community/Qwen3-Reranker-0.6B-ONNX', listing, { variant: 'q4' }).weights, 'onnx/model_q4.onnx');
  assert.throws(() => selectModelFiles('o/n', listing, { variant: 'fp32' }), /no fp32 ONNX weights/);
  assert.equal(selectModelFiles('o/n', [...listing.slice(0, 3), 'onnx/model_int8.onnx']).weights, 'onnx/model_int8.onnx');
});

// int8 quantizes each weight matrix per tensor (step max|W| / 127) and each activation per batch
// (uint8): on this random-weight model that moves a relevance by up to 0.042 (measured: 0.042
// plain, 0.032 GroupQueryAttention), so 0.06 bounds it, and only documents whose fp32 scores are
// more than twice that apart must keep their order.
const INT8_TOLERANCE = 0.06;

test('int8 scores are within 0.06 of fp32 and keep the order of documents 0.12 apart, cut and uncut alike', async () => {
  for (const form of FORMS) {
    const expected = fp32.get(form) as number[];
    const cut = await load(form, { variant: 'quantized' });
    const uncut = await load(form, { variant: 'quantized', cutOutput: false });
    // The plain form's head stays a float MatMul (cut); the builder form quantizes its head too (left uncut).
    assert.equal(cut.info.outputCut, form === 'plain', `${form}: cut`);
    assert.equal(uncut.info.outputCut, false);
    const scores = await cut.score(QUERY, DOCUMENTS);
    const whole = await uncut.score(QUERY, DOCUMENTS);
    scores.forEach((score, i) => {
      assert.ok(Math.abs(score - expected[i]) <= INT8_TOLERANCE, `${form} document ${i}: int8 ${score} vs fp32 ${expected[i]}`);
      assert.ok(Math.abs(score - whole[i]) <= 1e-5, `${form} document ${i}: cut ${score} vs uncut ${whole[i]}`);
      for (let j = 0; j < i; j++) {
        if (Math.abs(expected[i] - expected[j]) > 2 * INT8_TOLERANCE) assert.equal(Math.sign(score - scores[j]), Math.sign(expected[i] - expected[j]), `${form}: order of ${j} and ${i}`);
      }
    });
    assert.ok(scores.some((score, i) => score !== expected[i]), `${form}: the int8 file is what ran`);
  }
});

/** The matrix a MatMulNBits weight stands for: (q - 8) * scale, read from the packed bytes. */
function dequantized4(matrix: Float32Array, [k, n]: [number, number]): Float32Array {
  const { packed, scales, blocks } = quantizeBlockwise4(matrix, [k, n]);
  const out = new Float32Array(k * n);
  for (let column = 0; column < n; column++) {
    for (let row = 0; row < k; row++) {
      const block = Math.floor(row / Q4_BLOCK_SIZE);
      const within = row % Q4_BLOCK_SIZE;
      const byte = packed[(column * blocks + block) * (Q4_BLOCK_SIZE / 2) + (within >> 1)];
      const q = within % 2 === 0 ? byte & 0x0f : byte >> 4;
      out[row * n + column] = (q - 8) * scales[column * blocks + block];
    }
  }
  return out;
}

/** The weights as the q4 file stores them: every projection matrix dequantized (norms and embeddings stay float). */
function q4Weights(): Qwen3Weights {
  const { hidden: h, heads, kvHeads, headDim: d, intermediate: i } = TINY_QWEN3;
  return {
    ...weights,
    layers: weights.layers.map((w) => ({
      ...w,
      q: dequantized4(w.q, [h, heads * d]),
      k: dequantized4(w.k, [h, kvHeads * d]),
      v: dequantized4(w.v, [h, kvHeads * d]),
      o: dequantized4(w.o, [heads * d, h]),
      gate: dequantized4(w.gate, [h, i]),
      up: dequantized4(w.up, [h, i]),
      down: dequantized4(w.down, [i, h]),
    })),
  };
}

test('q4 (MatMulNBits) scores equal the float64 reference on the weights the file stores (1e-4), cut and uncut', async () => {
  const stored = q4Weights();
  const { hidden: h, vocabSize: vocab } = TINY_QWEN3;
  // The builder form's head is 4-bit too: its columns are the dequantized transposed embeddings.
  const transposed = new Float32Array(h * vocab);
  for (let v = 0; v < vocab; v++) for (let j = 0; j < h; j++) transposed[j * vocab + v] = weights.embed[v * h + j];
  const quantizedHead = dequantized4(transposed, [h, vocab]);
  for (const form of FORMS) {
    const reranker = await load(form, { variant: 'q4' });
    const uncut = await load(form, { variant: 'q4', cutOutput: false });
    assert.equal(reranker.info.outputCut, form === 'plain', `${form}: a MatMulNBits head is left uncut`);
    const expected = reranker.buildPrompts(QUERY, DOCUMENTS).map((p) => {
      const last = qwen3LastHidden(stored, TINY_QWEN3, [...p.sharedIds, ...p.ownIds]);
      const [yes, no] = [YES, NO].map((token) => {
        let dot = 0;
        for (let j = 0; j < h; j++) dot += last[j] * (form === 'plain' ? weights.embed[token * h + j] : quantizedHead[j * vocab + token]);
        return dot;
      });
      return 1 / (1 + Math.exp(no - yes));
    });
    const scores = await reranker.score(QUERY, DOCUMENTS);
    const whole = await uncut.score(QUERY, DOCUMENTS);
    scores.forEach((score, i) => {
      assert.ok(Math.abs(score - expected[i]) <= 1e-4, `${form} document ${i}: q4 ${score} vs reference ${expected[i]}`);
      assert.ok(Math.abs(score - whole[i]) <= 1e-5, `${form} document ${i}: cut vs uncut`);
    });
  }
});

// fp16 rounds every weight, cached key/value and activation to an 11-bit significand (relative
// error up to 4.9e-4 each): measured, relevance moves by at most 4.2e-4 (plain) and 5.9e-4
// (GroupQueryAttention) on these documents; 2e-3 bounds it.
const FP16_TOLERANCE = 2e-3;

test('fp16 (half-precision cache fed back as float16) scores within 2e-3 of fp32, with and without the prefix and the cut', async () => {
  for (const form of FORMS) {
    const session = await ort.InferenceSession.create(join(dirs.get(form) as string, 'onnx', 'model_fp16.onnx'));
    const types = (metadata: readonly ort.InferenceSession.ValueMetadata[], name: string) => {
      const value = metadata.find((m) => m.name === name);
      return value?.isTensor ? value.type : undefined;
    };
    assert.equal(types(session.inputMetadata, 'past_key_values.0.key'), 'float16', `${form}: the cache is half precision`);
    assert.equal(types(session.outputMetadata, 'logits'), 'float16');
    await session.release();
    const expected = fp32.get(form) as number[];
    const runs = [await load(form, { variant: 'fp16' }), await load(form, { variant: 'fp16', cutOutput: false }), await load(form, { variant: 'fp16', sharePrefix: false })];
    assert.deepEqual(runs.map((r) => r.info.outputCut), [true, false, true], `${form}: a float16 MatMul head is cut`);
    for (const reranker of runs) {
      const scores = await reranker.score(QUERY, DOCUMENTS);
      scores.forEach((score, i) => {
        assert.ok(Math.abs(score - expected[i]) <= FP16_TOLERANCE, `${form} document ${i}: fp16 ${score} vs fp32 ${expected[i]}`);
        for (let j = 0; j < i; j++) {
          if (Math.abs(expected[i] - expected[j]) > 2 * FP16_TOLERANCE) assert.equal(Math.sign(score - scores[j]), Math.sign(expected[i] - expected[j]), `${form}: order of ${j} and ${i}`);
        }
      });
      assert.ok(scores.some((score, i) => score !== expected[i]), `${form}: the fp16 file is what ran`);
    }
  }
});

test('float16 conversion: nearest even, subnormals, and saturation where a mask value would overflow', () => {
  const bits = (value: number) => float16Bits(value).toString(16);
  assert.equal(bits(1), '3c00');
  assert.equal(bits(-2), 'c000');
  assert.equal(bits(0.1), '2e66');
  assert.equal(bits(1 + 2 ** -11), '3c00', 'a tie rounds to the even significand');
  assert.equal(bits(1 + 3 * 2 ** -11), '3c02');
  assert.equal(bits(2 ** -24), '1');
  assert.equal(bits(65504), '7bff');
  assert.equal(bits(-3.4e38), 'fbff', 'float32 min becomes the most negative half, not -infinity');
});

test('on a worker thread (as the server runs) the fp16 cache crosses the thread and scores equal the in-thread ones', async () => {
  for (const form of FORMS) {
    const inThread = await (await load(form, { variant: 'fp16' })).score(QUERY, DOCUMENTS.slice(0, 4));
    const onWorker = await (await load(form, { variant: 'fp16', worker: true })).score(QUERY, DOCUMENTS.slice(0, 4));
    assert.deepEqual(onWorker, inThread, form);
  }
});
