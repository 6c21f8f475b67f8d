// The LLM reranker on onnxruntime-genai's export form (com.microsoft.GroupQueryAttention with
// rotary inside, seqlens_k / total_sequence_length from attention_mask, no position_ids), from
// the same weights as the plain tiny Qwen3: scores against the float64 reference to 1e-4 with and
// without the shared prefix, alone and among documents of mixed lengths, cut and uncut; and why
// such a graph cannot be left-padded.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { after, before, test } from 'node:test';
import { ensureQwen3Model, QWEN3_CACHE_ROOT, TINY_QWEN3 } from '../scripts/model-gen/qwen3Model.js';
import { generateQwen3Weights } from '../scripts/model-gen/qwen3Weights.js';
import { decoderFeeds, regroupBatches, rowGrouping } from '../src/inference/decoderFeeds.js';
import { graphOperators } from '../src/model/graphOperators.js';
import { LlmReranker } from '../src/rerank/llmReranker.js';
import { qwen3YesProbability } from './reference/qwen3Reference.js';
import { assertClose, referenceScores as reference, withAndWithoutPrefix, yesNoIds } from './support/llmCheck.js';
import { sampleTexts } from './support/sampleTexts.js';
import { testModel } from './support/testModels.js';

const weights = generateQwen3Weights(TINY_QWEN3);
const SHAPE = { layers: TINY_QWEN3.layers, kvHeads: TINY_QWEN3.kvHeads, headDim: TINY_QWEN3.headDim };
// Documents of very different lengths (and one twice: rows of one length), so rows could mostly share batches only with padding.
const DOCUMENTS = [...sampleTexts().slice(0, 8), 'yes', 'Beijing', 'yes'];
const QUERY = 'What is the capital of China?';

let dir: string;
let shared: LlmReranker;
let unshared: LlmReranker;
let YES: number;
let NO: number;

before(async () => {
  dir = await ensureQwen3Model('qwen3-reranker-tiny-gqa', TINY_QWEN3, QWEN3_CACHE_ROOT, { attention: 'group-query', files: { 'model.onnx': 'fp32' } });
  [YES, NO] = await yesNoIds(dir);
  ({ shared, unshared } = await withAndWithoutPrefix(dir));
});

after(async () => {
  await shared.close();
  await unshared.close();
});

const referenceScores = (reranker: LlmReranker, documents: string[], instruction?: string) => reference(weights, [YES, NO], reranker, QUERY, documents, instruction);

test('the generated graph is the builder form: GroupQueryAttention, no position_ids; detected from the graph', () => {
  const operators = graphOperators(join(dir, 'onnx', 'model.onnx'));
  assert.ok(operators.has('com.microsoft:GroupQueryAttention'));
  assert.ok(operators.has('com.microsoft:SkipSimplifiedLayerNormalization'));
  assert.ok(operators.has(':SimplifiedLayerNormalization'));
  assert.equal(shared.info.attention, 'sequence-lengths');
  assert.ok(!shared.info.inputs.includes('position_ids'));
  assert.ok(shared.info.inputs.includes('past_key_values.1.value'));
});

test('GroupQueryAttention reads no mask: a left-padded batch scores wrong, which is why this form is not padded', async () => {
  const session = await ort.InferenceSession.create(join(dir, 'onnx', 'model.onnx'), { intraOpNumThreads: 1 });
  try {
    const [long, short] = shared.buildPrompts(QUERY, [DOCUMENTS[1], 'Beijing']).map((p) => [...p.sharedIds, ...p.ownIds]);
    const feeds = decoderFeeds([long, short], SHAPE, 0, null);
    delete feeds.position_ids;
    const logits = (await session.run(feeds)).logits;
    const vocab = TINY_QWEN3.vocabSize;
    const last = (row: number) => (logits.data as Float32Array).subarray(((row + 1) * long.length - 1) * vocab, (row + 1) * long.length * vocab);
    const sigmoidGap = (row: number) => 1 / (1 + Math.exp(-(last(row)[YES] - last(row)[NO])));
    assert.ok(Math.abs(sigmoidGap(0) - qwen3YesProbability(weights, TINY_QWEN3, long, YES, NO)) < 1e-4, 'the unpadded row is right');
    const expected = qwen3YesProbability(weights, TINY_QWEN3, short, YES, NO);
    assert.ok(Math.abs(sigmoidGap(1) - expected) > 1e-3, `the left-padded row is wrong: ${sigmoidGap(1)} vs ${expected}`);
  } finally {
    await session.release();
  }
});

test('scores equal the float64 reference (1e-4) with the shared prefix: each document after the prefix, one per pass', async () => {
  const before = shared.forwardPasses;
  const expected = referenceScores(shared, DOCUMENTS);
  assertClose(await shared.score(QUERY, DOCUMENTS), expected, 1e-4, 'shared prefix');
  assert.equal(shared.forwardPasses - before, 1 + DOCUMENTS.length, 'the prefix once, then one pass per document');
  assert.ok(Math.max(...expected) - Math.min(...expected) > 0.05, 'the model separates documents');
});

test('without prefix sharing, rows of one length share a pass and scores equal the reference', async () => {
  const prompts = unshared.buildPrompts(QUERY, DOCUMENTS);
  const lengths = prompts.map((p) => p.sharedIds.length + p.ownIds.length);
  const distinct = new Set(lengths).size;
  assert.ok(distinct < DOCUMENTS.length, 'two prompts are of one length');
  const before = unshared.forwardPasses;
  assertClose(await unshared.score(QUERY, DOCUMENTS), referenceScores(unshared, DOCUMENTS), 1e-4, 'no sharing');
  assert.equal(unshared.forwardPasses - before, distinct);
});

test('each document alone equals it among the others; an instruction is read and scored as the reference', async () => {
  const together = await shared.scoreDocuments(QUERY, DOCUMENTS);
  for (const [i, document] of DOCUMENTS.entries()) {
    const alone = await unshared.scoreDocuments(QUERY, [document]);
    assert.ok(Math.abs(alone.raw[0] - together.raw[i]) < 1e-4, `document ${i}: ${alone.raw[0]} alone vs ${together.raw[i]}`);
  }
  const instruction = 'Given a question, find the passage that answers it';
  assertClose(await shared.score(QUERY, DOCUMENTS.slice(0, 4), { instruction }), referenceScores(shared, DOCUMENTS.slice(0, 4), instruction), 1e-4, 'instruction');
});

test('the output cut applies to the builder head (a MatMul) and scores equal the uncut graph', async () => {
  assert.equal(shared.info.outputCut, true);
  const uncut = await LlmReranker.load(dir, { threads: 1, cutOutput: false });
  try {
    assert.equal(uncut.info.outputCut, false);
    const whole = await uncut.score(QUERY, DOCUMENTS);
    assertClose(await shared.score(QUERY, DOCUMENTS), whole, 1e-5, 'cut vs uncut');
    assertClose(whole, referenceScores(uncut, DOCUMENTS), 1e-4, 'uncut');
  } finally {
    await uncut.close();
  }
});

test('batches regroup for GroupQueryAttention: one row per pass after a prefix, one length per pass without', () => {
  const lengths = [9, 9, 7, 7, 7, 3];
  const planned = [[0, 1, 2, 3], [4, 5]];
  assert.deepEqual(regroupBatches(planned, lengths, rowGrouping('masked', null)), planned);
  assert.deepEqual(regroupBatches(planned, lengths, rowGrouping('sequence-lengths', null)), [[0, 1], [2, 3], [4], [5]]);
  const prefix = { length: 5, tensors: new Map<string, Float32Array>() };
  assert.deepEqual(regroupBatches(planned, lengths, rowGrouping('sequence-lengths', prefix)), [[0], [1], [2], [3], [4], [5]]);
  assert.throws(() => decoderFeeds([[1, 2], [3]], SHAPE, 0, null, { attention: 'sequence-lengths', positionIds: false, cacheType: 'float32' }), /one length/);
});

test('rotary outside attention (position_ids in, RotaryEmbedding ops): positions are fed continuing the prefix, scores equal the reference', async () => {
  const outside = await ensureQwen3Model('qwen3-reranker-tiny-gqa-rotary', TINY_QWEN3, QWEN3_CACHE_ROOT, {
    attention: 'group-query',
    rotaryInAttention: false,
    files: { 'model.onnx': 'fp32' },
  });
  assert.ok(graphOperators(join(outside, 'onnx', 'model.onnx')).has('com.microsoft:RotaryEmbedding'));
  for (const sharePrefix of [true, false]) {
    const reranker = await LlmReranker.load(outside, { threads: 1, sharePrefix });
    try {
      assert.equal(reranker.info.attention, 'sequence-lengths');
      assert.ok(reranker.info.inputs.includes('position_ids'));
      assertClose(await reranker.score(QUERY, DOCUMENTS), referenceScores(reranker, DOCUMENTS), 1e-4, `rotary outside, sharePrefix ${sharePrefix}`);
    } finally {
      await reranker.close();
    }
  }
});

test('an export without the key/value cache inputs is refused at load with one line naming its inputs', async () => {
  const bare = join(mkdtempSync(join(tmpdir(), 'crossrank-llm-')), 'qwen3-reranker-no-cache');
  mkdirSync(join(bare, 'onnx'), { recursive: true });
  for (const file of ['config.json', 'tokenizer.json', 'tokenizer_config.json']) copyFileSync(join(dir, file), join(bare, file));
  // An encoder graph: input_ids, attention_mask, token_type_ids, no past_key_values.
  copyFileSync(join((await testModel('tiny-bert')).dir, 'onnx', 'model.onnx'), join(bare, 'onnx', 'model.onnx'));
  await assert.rejects(LlmReranker.load(bare, { threads: 1 }), (error: Error) => {
    assert.match(error.message, /needs a causal-LM export with attention_mask, position_ids .* this one has input_ids, attention_mask, token_type_ids$/);
    assert.ok(!error.message.includes('\n'));
    return true;
  });
});
