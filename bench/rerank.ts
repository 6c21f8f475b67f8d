/**
 * rerank(1 query, 50 documents) on the MiniLM-L6 architecture model (or --model): crossrank against
 * transformers.js running the same ONNX file with the same threads, and against raw ONNX Runtime
 * on pre-tokenized, pre-padded batches (the ceiling: the forward passes alone). For a model whose
 * config recommends a lexical weight (the starter), also crossrank as `rerank` runs it by default,
 * with BM25 over the 50 documents mixed in (`crossrank + lexical mix`).
 *
 *   npx tsx bench/rerank.ts [--iterations 8] [--warmup 2] [--threads N] [--inputs varied,uniform] [--variants fp32,int8]
 *                           [--model minilm-l6-bench,crossrank/starter-en]
 *
 * Contenders run round-robin within each iteration, so drift on a shared machine hits all alike.
 * Prints a Markdown table and writes the raw numbers to bench/results/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { AutoModelForSequenceClassification, AutoTokenizer, env } from '@huggingface/transformers';
import type * as ort from 'onnxruntime-node';
import { ensureTestModel } from '../scripts/model-gen/ensureTestModel.js';
import { CrossEncoder } from '../src/index.js';
import { openOnnxModel } from '../src/model/index.js';
import { resolveModelDir } from '../src/hub/index.js';
import { isTestModelName } from '../scripts/model-gen/testModels.js';
import { planBatches } from '../src/inference/batching.js';
import { batchFeeds } from '../src/inference/tensors.js';
import { summarize, type LatencySummary } from './stats.js';
import { benchInput } from './benchInputs.js';

const repoRoot = fileURLToPath(new URL('../', import.meta.url));
const { values: args } = parseArgs({
  options: {
    iterations: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '2' },
    threads: { type: 'string', default: String(availableParallelism()) },
    inputs: { type: 'string', default: 'varied,uniform' },
    variants: { type: 'string', default: 'fp32,int8' },
    'batch-size': { type: 'string' },
    'batch-tokens': { type: 'string' },
    'skip-transformers': { type: 'boolean', default: false },
    // minilm-l6-bench (generated), crossrank/starter-en, or any model directory; several, comma-separated, run in turn
    model: { type: 'string', default: 'minilm-l6-bench' },
  },
});
const iterations = Number(args.iterations);
const warmup = Number(args.warmup);
const threads = Number(args.threads);
const batchLimits = {
  maxBatchPairs: args['batch-size'] ? Number(args['batch-size']) : undefined,
  maxBatchTokens: args['batch-tokens'] ? Number(args['batch-tokens']) : undefined,
};

interface Contender {
  name: string;
  run(): Promise<number[]>;
  close(): Promise<void>;
}

type Variant = 'fp32' | 'int8';

async function crossrankContender(modelDir: string, variant: Variant, query: string, docs: string[]): Promise<Contender & { encoder: CrossEncoder }> {
  const encoder = await CrossEncoder.load(modelDir, { variant: variant === 'int8' ? 'quantized' : 'fp32', threads, ...batchLimits });
  return {
    name: 'crossrank',
    encoder,
    // The model alone, whatever its config recommends: the scores transformers.js is checked against.
    run: async () => (await encoder.rerank(query, docs, { lexicalWeight: 0 })).sort((a, b) => a.index - b.index).map((r) => r.score),
    close: () => encoder.close(),
  };
}

/** crossrank as `rerank` runs a model whose config recommends a weight (the starter): BM25 over the documents mixed in. */
function lexicalMixContender(encoder: CrossEncoder, query: string, docs: string[]): Contender {
  return {
    name: 'crossrank + lexical mix',
    run: async () => (await encoder.rerank(query, docs)).sort((a, b) => a.index - b.index).map((r) => r.score),
    close: async () => {},
  };
}

/** The usual hand-wired transformers.js reranker (as on the Xenova model cards): one padded batch. */
async function transformersJsContender(modelDir: string, variant: Variant, query: string, docs: string[]): Promise<Contender> {
  env.allowRemoteModels = false;
  env.localModelPath = `${dirname(modelDir)}/`;
  const id = basename(modelDir);
  const tokenizer = await AutoTokenizer.from_pretrained(id);
  const model = await AutoModelForSequenceClassification.from_pretrained(id, {
    dtype: variant === 'int8' ? 'q8' : 'fp32',
    device: 'cpu',
    session_options: { intraOpNumThreads: threads, interOpNumThreads: 1 },
  });
  return {
    name: 'transformers.js',
    run: async () => {
      const inputs = tokenizer(new Array(docs.length).fill(query), { text_pair: docs, padding: true, truncation: true });
      const { logits } = (await model(inputs)) as { logits: { data: Float32Array } };
      return Array.from(logits.data);
    },
    close: async () => {
      await model.dispose();
    },
  };
}

/** Raw ONNX Runtime on crossrank's own batches, tokenized and padded once in advance. */
async function ceilingContender(encoder: CrossEncoder, query: string, docs: string[]): Promise<Contender> {
  const model = await openOnnxModel(encoder.info.weights, { threads });
  const encodings = docs.map((d) => encoder.encodePair(query, d));
  const batches = planBatches(
    encodings.map((e) => e.inputIds.length),
    { maxBatchPairs: batchLimits.maxBatchPairs ?? 16, maxBatchTokens: batchLimits.maxBatchTokens ?? 8192 },
  );
  const feeds: Record<string, ort.Tensor>[] = batches.map((b) => batchFeeds(b.map((i) => encodings[i]), model.inputs, encoder.encoder.padTokenId));
  return {
    name: 'onnxruntime (ceiling)',
    run: async () => {
      for (const feed of feeds) await model.session.run(feed);
      return [];
    },
    close: () => model.session.release(),
  };
}

/** A generated test model by name, else whatever CrossEncoder.load takes, as a local directory (transformers.js needs one). */
async function modelDirectory(name: string): Promise<string> {
  return isTestModelName(name) ? ensureTestModel(name, join(repoRoot, 'models')) : resolveModelDir(name);
}

interface Row {
  model: string;
  input: string;
  variant: Variant;
  contender: string;
  latency: LatencySummary;
  pairsPerSecond: number;
}

function maxAbsDiff(a: number[], b: number[]): number {
  return a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  const notes: string[] = [];
  for (const model of args.model!.split(',')) {
    const modelDir = await modelDirectory(model);
    for (const inputName of args.inputs!.split(',')) {
      const { query, docs } = benchInput(inputName);
      for (const variant of args.variants!.split(',') as Variant[]) {
        const ours = await crossrankContender(modelDir, variant, query, docs);
        const contenders: Contender[] = [ours, await ceilingContender(ours.encoder, query, docs)];
        if (!args['skip-transformers']) contenders.splice(1, 0, await transformersJsContender(modelDir, variant, query, docs));
        if (ours.encoder.recommendedWeight) contenders.splice(1, 0, lexicalMixContender(ours.encoder, query, docs));
        const samples = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
        const lastScores = new Map<string, number[]>();
        for (let i = 0; i < warmup + iterations; i++) {
          for (const contender of contenders) {
            const started = performance.now();
            const scores = await contender.run();
            const elapsed = performance.now() - started;
            if (i >= warmup) samples.get(contender.name)!.push(elapsed);
            lastScores.set(contender.name, scores);
          }
        }
        const oursScores = lastScores.get('crossrank')!;
        const theirs = lastScores.get('transformers.js') ?? oursScores;
        const agreement = maxAbsDiff(oursScores, theirs);
        notes.push(
          `${model} ${inputName}/${variant}: ${oursScores.length} vs ${theirs.length} scores, crossrank's in [${Math.min(...oursScores).toFixed(3)}, ${Math.max(...oursScores).toFixed(3)}]; max |crossrank - transformers.js| = ${agreement.toExponential(2)}`,
        );
        for (const contender of contenders) {
          const latency = summarize(samples.get(contender.name)!);
          rows.push({ model, input: inputName, variant, contender: contender.name, latency, pairsPerSecond: (docs.length * 1000) / latency.meanMs });
          await contender.close();
        }
        process.stderr.write(`done ${model} ${inputName}/${variant}\n`);
      }
    }
  }

  const lines = [
    '| model | input | variant | contender | pairs/s | p50 ms | p95 ms | vs transformers.js | of ceiling |',
    '|---|---|---|---|---:|---:|---:|---:|---:|',
  ];
  for (const row of rows) {
    const peer = (name: string) => rows.find((r) => r.model === row.model && r.input === row.input && r.variant === row.variant && r.contender === name);
    const vsTransformers = row.pairsPerSecond / (peer('transformers.js') ?? row).pairsPerSecond;
    const ofCeiling = row.pairsPerSecond / peer('onnxruntime (ceiling)')!.pairsPerSecond;
    lines.push(
      `| ${row.model} | ${row.input} | ${row.variant} | ${row.contender} | ${row.pairsPerSecond.toFixed(1)} | ${row.latency.p50Ms.toFixed(0)} | ${row.latency.p95Ms.toFixed(0)} | ${vsTransformers.toFixed(2)}x | ${(ofCeiling * 100).toFixed(0)}% |`,
    );
  }
  const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores, Node ${process.version}`;
  const header = `rerank(1 query, 50 docs), ${args.model}, ${threads} threads, ${iterations} runs after ${warmup} warm-up, ${new Date().toISOString()}, ${machine}`;
  const report = [header, '', ...lines, '', ...notes.map((n) => `- ${n}`)].join('\n');
  process.stdout.write(`${report}\n`);
  mkdirSync(join(repoRoot, 'bench/results'), { recursive: true });
  writeFileSync(join(repoRoot, 'bench/results', `rerank-${Date.now()}.json`), JSON.stringify({ header, rows, notes }, null, 2));
}

await main();
