// The LLM reranker on a generated Qwen3 causal LM: scores against the independent float64
// forward (test/reference/qwen3Reference.ts) to 1e-4, with and without the shared prefix, alone
// and in left-padded mixed-length batches, with instructions and truncation.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { after, before, test } from 'node:test';
import { ensureQwen3Model, TINY_QWEN3 } from '../scripts/model-gen/qwen3Model.js';
import { generateQwen3Weights } from '../scripts/model-gen/qwen3Weights.js';
import { decoderFeeds } from '../src/inference/decoderFeeds.js';
import { answerLogitsGraph } from '../src/model/answerLogitsGraph.js';
import { LlmReranker } from '../src/rerank/llmReranker.js';
import { testModel } from './support/testModels.js';
import { assertClose, referenceScores as reference, withAndWithoutPrefix, yesNoIds } from './support/llmCheck.js';
import { sampleTexts } from './support/sampleTexts.js';

const weights = generateQwen3Weights(TINY_QWEN3);
let dir: string;
let shared: LlmReranker;
let unshared: LlmReranker;

// Documents of very different lengths, so batches mix them and pad some rows a lot.
const DOCUMENTS = [...sampleTexts().slice(0, 10), 'yes', sampleTexts().slice(1, 6).join(' ')];
const QUERY = 'What is the capital of China?';

before(async () => {
  dir = await ensureQwen3Model('qwen3-reranker-tiny');
  // The answer ids as the Rust tokenizers binding gives them, not as the code under test does.
  [YES, NO] = await yesNoIds(dir);
  ({ shared, unshared } = await withAndWithoutPrefix(dir));
});

after(async () => {
  await shared.close();
  await unshared.close();
});

/** P(yes) of each prompt by the float64 reference, one unpadded sequence at a time. */
const referenceScores = (reranker: LlmReranker, query: string, documents: string[], instruction?: string) => reference(weights, [YES, NO], reranker, query, documents, instruction);

let YES: number;
let NO: number;


test('the prompt format of a folder named like Qwen3-Reranker is found; the answer ids are yes/no', () => {
  assert.equal(shared.info.promptFormat, 'qwen3-reranker');
  assert.equal(shared.info.modelType, 'qwen3');
  assert.ok(shared.info.inputs.includes('past_key_values.1.value'));
});

test('scores equal the float64 reference (1e-4) with the shared prefix, in mixed-length batches', async () => {
  const expected = referenceScores(shared, QUERY, DOCUMENTS);
  assertClose(await shared.score(QUERY, DOCUMENTS), expected, 1e-4, 'shared prefix');
  const spread = Math.max(...expected) - Math.min(...expected);
  assert.ok(spread > 0.05, `the model separates documents (spread ${spread})`);
});

test('scores equal the reference without prefix sharing, and equal each other to 1e-5', async () => {
  const withPrefix = await shared.score(QUERY, DOCUMENTS);
  const without = await unshared.score(QUERY, DOCUMENTS);
  assertClose(without, referenceScores(unshared, QUERY, DOCUMENTS), 1e-4, 'no sharing');
  assertClose(without, withPrefix, 1e-5, 'sharing vs not');
});

test('padding never changes a score: each document alone equals it in a batch', async () => {
  const batched = await shared.scoreDocuments(QUERY, DOCUMENTS);
  for (const [i, document] of DOCUMENTS.entries()) {
    const alone = await unshared.scoreDocuments(QUERY, [document]);
    assert.ok(Math.abs(alone.raw[0] - batched.raw[i]) < 1e-4, `document ${i}: ${alone.raw[0]} alone vs ${batched.raw[i]} batched`);
  }
});

test('the instruction option changes the prompt and the scores, and they still equal the reference', async () => {
  const instruction = 'Given a question, find the passage that answers it';
  const scored = await shared.score(QUERY, DOCUMENTS, { instruction });
  assertClose(scored, referenceScores(shared, QUERY, DOCUMENTS, instruction), 1e-4, 'instruction');
  const plain = await shared.score(QUERY, DOCUMENTS);
  assert.ok(scored.some((s, i) => Math.abs(s - plain[i]) > 1e-3), 'the instruction is read');
});

test('a long document is cut to maxLength, the answer position kept, and scored as the reference', async () => {
  const short = await LlmReranker.load(dir, { threads: 1, maxLength: 160 });
  try {
    const long = sampleTexts().join(' ');
    const result = await short.scoreDocuments(QUERY, [long, 'Beijing']);
    assert.deepEqual(result.truncated, [true, false]);
    const prompt = short.buildPrompts(QUERY, [long])[0];
    assert.equal(prompt.sharedIds.length + prompt.ownIds.length, 160);
    assertClose(result.relevance, referenceScores(short, QUERY, [long, 'Beijing']), 1e-4, 'truncated');
  } finally {
    await short.close();
  }
});

test('rerank orders by score and returns documents on request; bad input is a clear error', async () => {
  const results = await shared.rerank(QUERY, DOCUMENTS.slice(0, 5), { topN: 3, returnDocuments: true });
  const scores = await shared.score(QUERY, DOCUMENTS.slice(0, 5));
  assert.equal(results.length, 3);
  assert.equal(results[0].score, Math.max(...scores));
  assert.equal(results[0].document, DOCUMENTS[results[0].index]);
  await assert.rejects(shared.score('  ', ['a']), /query is empty/);
  await assert.rejects(shared.score(QUERY, ['a'], { instruction: 5 as unknown as string }), /instruction must be a string/);
  await assert.rejects(LlmReranker.load(dir, { promptFormat: 'nope' }), /unknown prompt format "nope"/);
});

test('the output cut: logits shrink to [rows, 1, answers], scores equal the uncut graph and the reference', async () => {
  assert.equal(shared.info.outputCut, true);
  assert.match(shared.info.running, /model\.answer-\d+-\d+\.onnx$/);
  const uncut = await LlmReranker.load(dir, { threads: 1, maxBatchPairs: 4, cutOutput: false });
  try {
    assert.equal(uncut.info.outputCut, false);
    const whole = await uncut.score(QUERY, DOCUMENTS);
    assertClose(await shared.score(QUERY, DOCUMENTS), whole, 1e-5, 'cut vs uncut');
    assertClose(whole, referenceScores(uncut, QUERY, DOCUMENTS), 1e-4, 'uncut');
  } finally {
    await uncut.close();
  }
  const session = await ort.InferenceSession.create(shared.info.running);
  const prompt = shared.buildPrompts(QUERY, ['Beijing'])[0];
  const ids = [...prompt.sharedIds, ...prompt.ownIds];
  const outputs = await session.run(decoderFeeds([ids, ids.slice(3)], { layers: TINY_QWEN3.layers, kvHeads: TINY_QWEN3.kvHeads, headDim: TINY_QWEN3.headDim }, 0, null));
  assert.deepEqual(outputs.logits.dims, [2, 1, 2]);
  await session.release();
});

test('a head that is not a plain MatMul (a BERT classifier: MatMul then Add) is left uncut', async () => {
  const bert = await testModel('tiny-bert');
  assert.equal(answerLogitsGraph(readFileSync(join(bert.dir, 'onnx', 'model.onnx')), [0, 1]), null);
});
