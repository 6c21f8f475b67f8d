/**
 * Writes a generated Qwen3-Reranker-style model directory (config.json, the Qwen-layout BPE
 * tokenizer, onnx/model.onnx in the Optimum causal-LM layout) and keeps it in test/.cache/models,
 * regenerated when the spec or the generator code changes.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GraphBuilder } from './onnxBuilder.js';
import type { Precision } from './quantize.js';
import { buildQwen3GqaGraph } from './qwen3GqaGraph.js';
import { buildQwen3Graph, QWEN3_DOC } from './qwen3Graph.js';
import { generateQwen3Weights, type Qwen3Spec } from './qwen3Weights.js';
import { buildQwenBpe, QWEN_BPE_VOCAB_SIZE } from './qwenBpe.js';
import { toJsonText } from './tokenizers.js';

/** Qwen3's shape, tiny: 2 layers, 4 query heads sharing 2 key/value heads. */
export const TINY_QWEN3: Qwen3Spec = {
  vocabSize: QWEN_BPE_VOCAB_SIZE,
  hidden: 64,
  layers: 2,
  heads: 4,
  kvHeads: 2,
  headDim: 16,
  intermediate: 128,
  ropeTheta: 1_000_000,
  rmsNormEps: 1e-6,
  maxPositions: 1024,
  seed: 3003,
};

/** Which graph is written, and in which files and precisions. */
export interface Qwen3Export {
  /** `plain`: Optimum's layout (qwen3Graph.ts); `group-query`: onnxruntime-genai's builder form (qwen3GqaGraph.ts). */
  attention: 'plain' | 'group-query';
  /** group-query only: false writes position_ids and RotaryEmbedding ops outside attention (the builder's form for EPs whose GQA cannot rotate). */
  rotaryInAttention?: boolean;
  /**
   * Files under onnx/ and the precision of each one's weight matrices (int8: ONNX Runtime's
   * dynamic quantization pattern; q4: MatMulNBits; fp16: the whole graph in half precision, its
   * key/value cache and logits included, as Optimum's fp16 exports).
   */
  files: Record<string, Precision | 'fp16'>;
}

export const PLAIN_FP32: Qwen3Export = { attention: 'plain', files: { 'model.onnx': 'fp32' } };

/**
 * Qwen3-Reranker-0.6B's config.json widths (hidden 1024, 16 query / 8 key-value heads of 128,
 * SwiGLU 3072, vocabulary 151,669) with `layers` of its 28 layers: the benchmarks' model.
 */
export function qwen3Reranker06bSpec(layers: number, overrides: Partial<Qwen3Spec> = {}): Qwen3Spec {
  return { vocabSize: 151_669, hidden: 1024, layers, heads: 16, kvHeads: 8, headDim: 128, intermediate: 3072, ropeTheta: 1_000_000, rmsNormEps: 1e-6, maxPositions: 40_960, seed: 4004, ...overrides };
}

export async function writeQwen3ModelDir(dir: string, spec: Qwen3Spec, form: Qwen3Export = PLAIN_FP32): Promise<void> {
  await mkdir(join(dir, 'onnx'), { recursive: true });
  const tokenizer = buildQwenBpe();
  const config = {
    architectures: ['Qwen3ForCausalLM'],
    model_type: 'qwen3',
    vocab_size: spec.vocabSize,
    hidden_size: spec.hidden,
    num_hidden_layers: spec.layers,
    num_attention_heads: spec.heads,
    num_key_value_heads: spec.kvHeads,
    head_dim: spec.headDim,
    intermediate_size: spec.intermediate,
    hidden_act: 'silu',
    rope_theta: spec.ropeTheta,
    rms_norm_eps: spec.rmsNormEps,
    max_position_embeddings: spec.maxPositions,
    tie_word_embeddings: true,
    attention_bias: false,
    torch_dtype: 'float32',
    pad_token_id: null,
    eos_token_id: QWEN_BPE_VOCAB_SIZE - 3, // <|im_end|>
  };
  await writeFile(join(dir, 'config.json'), toJsonText(config));
  await writeFile(join(dir, 'tokenizer.json'), toJsonText(tokenizer.tokenizer));
  await writeFile(join(dir, 'tokenizer_config.json'), toJsonText(tokenizer.tokenizerConfig));
  await writeFile(join(dir, 'special_tokens_map.json'), toJsonText(tokenizer.specialTokensMap));
  const weights = generateQwen3Weights(spec);
  for (const [file, precision] of Object.entries(form.files)) {
    const matrices = precision === 'fp16' ? 'fp32' : precision;
    const graph = form.attention === 'plain' ? buildQwen3Graph(spec, weights, matrices) : buildQwen3GqaGraph(spec, weights, matrices, form.rotaryInAttention ?? true);
    if (precision === 'fp16') graph.convertToFloat16('rotary');
    await writeGraph(join(dir, 'onnx', file), graph);
  }
}

async function writeGraph(path: string, graph: GraphBuilder): Promise<void> {
  if (graph.initializerBytes < EXTERNAL_DATA_FROM) {
    await writeFile(path, graph.encode(QWEN3_DOC));
    return;
  }
  // Past protobuf's 2 GB limit a model must keep its weights outside the graph, as Optimum's
  // exports of Qwen3-Reranker-0.6B do (model.onnx + model.onnx_data).
  const { model, data } = graph.encodeWithExternalData(`${basename(path)}_data`, QWEN3_DOC);
  await writeFile(path, model);
  const file = await open(`${path}_data`, 'w');
  try {
    for (const chunk of data) await file.write(chunk);
  } finally {
    await file.close();
  }
}

/** From this many bytes of weights on, the generator writes them as external data. */
const EXTERNAL_DATA_FROM = 2 ** 30;

const GENERATOR_DIR = fileURLToPath(new URL('./', import.meta.url));
export const QWEN3_CACHE_ROOT = fileURLToPath(new URL('../../test/.cache/models', import.meta.url));
const KEY_FILE = '.crossrank-cache-key';

async function generatorKey(name: string, spec: Qwen3Spec, form: Qwen3Export): Promise<string> {
  const hash = createHash('sha256').update(JSON.stringify({ name, spec, form }));
  for (const file of (await readdir(GENERATOR_DIR)).sort()) hash.update(file).update(await readFile(join(GENERATOR_DIR, file)));
  return hash.digest('hex');
}

/** The directory of a generated Qwen3 model named `name` (e.g. `qwen3-reranker-tiny`), written if missing or stale. */
export async function ensureQwen3Model(name: string, spec: Qwen3Spec = TINY_QWEN3, cacheRoot = QWEN3_CACHE_ROOT, form: Qwen3Export = PLAIN_FP32): Promise<string> {
  const key = await generatorKey(name, spec, form);
  const target = join(cacheRoot, name);
  const current = await readFile(join(target, KEY_FILE), 'utf8').catch(() => null);
  if (current?.trim() === key) return target;
  const temp = join(cacheRoot, `.tmp-${name}-${process.pid}-${randomBytes(4).toString('hex')}`);
  await writeQwen3ModelDir(temp, spec, form);
  await writeFile(join(temp, KEY_FILE), `${key}\n`);
  await rm(target, { recursive: true, force: true });
  try {
    await rename(temp, target);
  } catch (error) {
    // Another process wrote it first: theirs is as good as ours when the key matches.
    await rm(temp, { recursive: true, force: true });
    if ((await readFile(join(target, KEY_FILE), 'utf8').catch(() => null))?.trim() !== key) throw error;
  }
  return target;
}
