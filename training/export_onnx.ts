/**
 * Turns a training run (weights.json + weights.bin + probes.json from train.py) into a model
 * directory in the Hugging Face layout: config.json, the bert-base-uncased tokenizer files and
 * onnx/model.onnx (fp32); with --int8 also onnx/model_quantized.onnx (ONNX Runtime's dynamic
 * quantization pattern). The graphs come from the same builder as the test models.
 *
 *   npx tsx training/export_onnx.ts --run training/runs/starter --out assets/models/crossrank-starter-en
 *
 * The shipped starter is fp32 only: int8 quantizes the matrix products, but the word-embedding
 * table (30,522 x 128 floats, 15.6 MB) stays fp32, so the int8 file is 90% of the fp32 one (16.4
 * against 18.2 MB, measured 2026-11-30) and both would not fit the 25 MB the repository allows.
 *
 * --first-stage-weight goes into config.json (`crossrank.first_stage_weight`): the weight a
 * pipeline mixes the first stage's score in with when the caller sets none, chosen on the dev split.
 *
 * A run from attach_channel.py (spec.max_length above max_positions) exports with an encoder window:
 * the graph takes max_length tokens, its encoder reads the first max_positions and the exact-match
 * channel all of them (config.json: crossrank.encoder_window).
 *
 * It checks the export before writing it: PyTorch's own logits on the probe pairs must equal the
 * float64 reference on the exported weights and ONNX Runtime on the fp32 graph (1e-4).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { buildBertModel } from '../scripts/model-gen/bertGraph.js';
import type { BertLayerWeights, BertSpec, BertWeights } from '../scripts/model-gen/bertWeights.js';
import type { LexicalMatchWeights } from '../scripts/model-gen/lexicalMatch.js';
import { toJsonText } from '../scripts/model-gen/tokenizers.js';
import { referenceLogits } from '../test/reference/bertReference.js';
import { referenceEncoderWindow, referenceLexicalScore } from '../test/reference/lexicalReference.js';

interface RunManifest {
  /** max_length: tokens per pair when above max_positions (training/attach_channel.py): the encoder reads a window of the first max_positions. */
  spec: { vocab: number; hidden: number; layers: number; heads: number; intermediate: number; max_positions: number; type_vocab: number; eps: number; max_length?: number };
  tensors: Array<{ name: string; shape: number[]; offset: number }>;
}
interface Probe {
  input_ids: number[];
  token_type_ids: number[];
  logit: number;
}

const { values } = parseArgs({
  options: {
    run: { type: 'string', default: 'training/runs/starter' },
    out: { type: 'string', default: 'assets/models/crossrank-starter-en' },
    int8: { type: 'boolean', default: false },
    'first-stage-weight': { type: 'string', default: '1' },
  },
});
const run = values.run!;
const out = values.out!;
const firstStageWeight = Number(values['first-stage-weight']);
if (!Number.isFinite(firstStageWeight) || firstStageWeight < 0) throw new Error(`--first-stage-weight must be a number >= 0, got ${values['first-stage-weight']}`);

const vocab = 'assets/vocab/bert-base-uncased';
/** A special token's id in the vocabulary the model ships with. */
function tokenId(token: string): number {
  const id = readFileSync(join(vocab, 'vocab.txt'), 'utf8').split('\n').indexOf(token);
  if (id < 0) throw new Error(`${vocab}/vocab.txt has no ${token}`);
  return id;
}

function loadWeights(): { spec: BertSpec; weights: BertWeights; lexical?: LexicalMatchWeights; maxLength: number } {
  const manifest = JSON.parse(readFileSync(join(run, 'weights.json'), 'utf8')) as RunManifest;
  const bin = readFileSync(join(run, 'weights.bin'));
  const tensor = (name: string): Float32Array => {
    const entry = manifest.tensors.find((t) => t.name === name);
    if (!entry) throw new Error(`${run}/weights.json has no tensor ${name}`);
    const length = entry.shape.reduce((a, b) => a * b, 1);
    return new Float32Array(bin.buffer.slice(bin.byteOffset + entry.offset, bin.byteOffset + entry.offset + length * 4));
  };
  const has = (name: string): boolean => manifest.tensors.some((t) => t.name === name);
  const s = manifest.spec;
  const spec: BertSpec = {
    arch: 'bert', vocabSize: s.vocab, hidden: s.hidden, layers: s.layers, heads: s.heads, intermediate: s.intermediate,
    maxPositions: s.max_positions, typeVocabSize: s.type_vocab, numLabels: 1, padTokenId: 0, layerNormEps: s.eps, seed: 0, weightStd: 0,
  };
  const layer = (i: number): BertLayerWeights => {
    const t = (name: string) => tensor(`layers.${i}.${name}`);
    return {
      queryW: t('queryW'), queryB: t('queryB'), keyW: t('keyW'), keyB: t('keyB'), valueW: t('valueW'), valueB: t('valueB'),
      attnOutW: t('attnOutW'), attnOutB: t('attnOutB'), attnLnGamma: t('attnLnGamma'), attnLnBeta: t('attnLnBeta'),
      ffnInW: t('ffnInW'), ffnInB: t('ffnInB'), ffnOutW: t('ffnOutW'), ffnOutB: t('ffnOutB'), outLnGamma: t('outLnGamma'), outLnBeta: t('outLnBeta'),
    };
  };
  const weights: BertWeights = {
    wordEmbeddings: tensor('wordEmbeddings'), positionEmbeddings: tensor('positionEmbeddings'), tokenTypeEmbeddings: tensor('tokenTypeEmbeddings'),
    embLnGamma: tensor('embLnGamma'), embLnBeta: tensor('embLnBeta'), layers: Array.from({ length: s.layers }, (_, i) => layer(i)),
    poolerW: tensor('poolerW'), poolerB: tensor('poolerB'), classifierW: tensor('classifierW'), classifierB: tensor('classifierB'),
  };
  // a run trained with --lexical has the exact-match channel (training/model.py, LexicalMatch)
  const lexical = has('lexicalTermWeights')
    ? { termWeights: tensor('lexicalTermWeights'), k1: tensor('lexicalK1')[0], b: tensor('lexicalB')[0], avgLength: tensor('lexicalAvgLength')[0], clsTokenId: tokenId('[CLS]'), sepTokenId: tokenId('[SEP]') }
    : undefined;
  return { spec, weights, lexical, maxLength: s.max_length ?? s.max_positions };
}

async function onnxLogit(model: Uint8Array, probe: Probe): Promise<number> {
  const session = await ort.InferenceSession.create(model, { intraOpNumThreads: 1 });
  const feed = (values: number[]) => new ort.Tensor('int64', BigInt64Array.from(values.map(BigInt)), [1, values.length]);
  const outputs = await session.run({ input_ids: feed(probe.input_ids), token_type_ids: feed(probe.token_type_ids), attention_mask: feed(probe.input_ids.map(() => 1)) });
  await session.release();
  return (outputs.logits.data as Float32Array)[0];
}

/**
 * config.json: a windowed model's max_position_embeddings is the length its graph takes (Hugging
 * Face's reading: the longest sequence the model can be used with), and crossrank.encoder_window
 * what its encoder reads of it.
 */
function config(spec: BertSpec, lexical: boolean, maxLength: number): Record<string, unknown> {
  return {
    architectures: ['BertForSequenceClassification'], attention_probs_dropout_prob: 0.1, hidden_act: 'gelu', hidden_dropout_prob: 0.1,
    hidden_size: spec.hidden, id2label: { 0: 'LABEL_0' }, initializer_range: 0.02, intermediate_size: spec.intermediate, label2id: { LABEL_0: 0 },
    layer_norm_eps: spec.layerNormEps, max_position_embeddings: maxLength, model_type: 'bert', num_attention_heads: spec.heads,
    num_hidden_layers: spec.layers, pad_token_id: 0, position_embedding_type: 'absolute', type_vocab_size: spec.typeVocabSize, vocab_size: spec.vocabSize,
    crossrank: {
      first_stage_weight: firstStageWeight,
      ...(lexical ? { lexical_match_channel: true } : {}),
      ...(maxLength > spec.maxPositions ? { encoder_window: spec.maxPositions } : {}),
    },
  };
}

async function main(): Promise<void> {
  const { spec, weights, lexical, maxLength } = loadWeights();
  const encoderWindow = maxLength > spec.maxPositions ? { length: spec.maxPositions, sepTokenId: tokenId('[SEP]') } : undefined;
  const fp32 = buildBertModel(spec, weights, { precision: 'fp32', lexical, encoderWindow });
  const int8 = values.int8 ? buildBertModel(spec, weights, { precision: 'int8', lexical, encoderWindow }) : undefined;
  const probes = JSON.parse(readFileSync(join(run, 'probes.json'), 'utf8')) as Probe[];
  for (const probe of probes) {
    const seen = encoderWindow ? referenceEncoderWindow(probe.input_ids, probe.token_type_ids, encoderWindow.length, encoderWindow.sepTokenId) : { ids: probe.input_ids, types: probe.token_type_ids };
    const reference = referenceLogits(weights, spec, seen.ids, seen.types)[0] + (lexical ? referenceLexicalScore(lexical, probe.input_ids, probe.token_type_ids) : 0);
    const onnx = await onnxLogit(fp32, probe);
    if (Math.abs(reference - probe.logit) > 1e-4 || Math.abs(onnx - probe.logit) > 1e-4) {
      throw new Error(`export check failed: torch ${probe.logit}, reference ${reference}, onnx ${onnx}`);
    }
  }
  mkdirSync(join(out, 'onnx'), { recursive: true });
  writeFileSync(join(out, 'config.json'), toJsonText(config(spec, lexical !== undefined, maxLength)));
  // The vendored tokenizer.json pads and truncates to 128 (a sentence-transformers setting); a model's own file should not.
  const tokenizer = JSON.parse(readFileSync(join(vocab, 'tokenizer.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(out, 'tokenizer.json'), JSON.stringify({ ...tokenizer, truncation: null, padding: null }));
  // model_max_length is the longest pair the graph takes (the position table, or the channel's length with an encoder window): Python's and transformers.js's tokenizers truncate to it.
  const tokenizerConfig = JSON.parse(readFileSync(join(vocab, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(out, 'tokenizer_config.json'), toJsonText({ ...tokenizerConfig, model_max_length: maxLength }));
  for (const file of ['special_tokens_map.json', 'vocab.txt']) writeFileSync(join(out, file), readFileSync(join(vocab, file)));
  writeFileSync(join(out, 'onnx/model.onnx'), fp32);
  if (int8) writeFileSync(join(out, 'onnx/model_quantized.onnx'), int8);
  console.log(JSON.stringify({ out, probes: probes.length, fp32Bytes: fp32.length, int8Bytes: int8?.length }));
}

await main();
