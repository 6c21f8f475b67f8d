/**
 * The two causal-LM export forms side by side on 50 documents: Optimum's plain attention ops
 * (left-padded batches) and onnxruntime-genai's GroupQueryAttention form (each document alone
 * after the shared prefix, or prompts of one length together without it), same weights, with and
 * without prefix sharing, output cut on.
 *
 *   npx tsx bench/llm-forms.ts [--layers 2] [--threads N] [--inputs varied]
 *
 * The models are generated on demand into test/.cache/models (not committed): Qwen3-Reranker-0.6B's
 * layer widths (hidden 1024, 16 query / 8 key-value heads of 128, intermediate 3072) with `--layers`
 * layers and the generated tokenizer's vocabulary (the output cut makes the vocabulary's size
 * irrelevant here; bench/llm-rerank.ts measures it). Each configuration runs in its own process:
 * a warm-up call, then the measured one. Prints a Markdown table.
 */
import { execFileSync } from 'node:child_process';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureQwen3Model, QWEN3_CACHE_ROOT, qwen3Reranker06bSpec } from '../scripts/model-gen/qwen3Model.js';
import { QWEN_BPE_VOCAB_SIZE } from '../scripts/model-gen/qwenBpe.js';
import { LlmReranker } from '../src/index.js';
import { benchInput } from './benchInputs.js';

const repoRoot = fileURLToPath(new URL('../', import.meta.url));
const { values: args } = parseArgs({
  options: {
    layers: { type: 'string', default: '2' },
    threads: { type: 'string', default: String(availableParallelism()) },
    inputs: { type: 'string', default: 'varied' },
    child: { type: 'string' },
    model: { type: 'string' },
  },
});
const threads = Number(args.threads);
const { query, docs } = benchInput(args.inputs as string);

const spec = (layers: number) => qwen3Reranker06bSpec(layers, { vocabSize: QWEN_BPE_VOCAB_SIZE, maxPositions: 4096, seed: 5005 });

interface Measured {
  config: string;
  ms: number;
  passes: number;
  peakRssMb: number;
  scores: number[];
}

async function child(config: string, modelDir: string): Promise<Measured> {
  const llm = await LlmReranker.load(modelDir, { threads, sharePrefix: !config.endsWith('no-share'), promptFormat: 'qwen3-reranker' });
  await llm.score(query, docs);
  const before = llm.forwardPasses;
  const started = performance.now();
  const scores = await llm.score(query, docs);
  const ms = performance.now() - started;
  const passes = llm.forwardPasses - before;
  await llm.close();
  return { config, ms, passes, peakRssMb: process.resourceUsage().maxRSS / 1024, scores };
}

if (args.child) {
  process.stdout.write(`${JSON.stringify(await child(args.child, args.model as string))}\n`);
} else {
  const layers = Number(args.layers);
  const dirs = {
    plain: await ensureQwen3Model(`qwen3-reranker-forms-${layers}l`, spec(layers)),
    gqa: await ensureQwen3Model(`qwen3-reranker-forms-gqa-${layers}l`, spec(layers), QWEN3_CACHE_ROOT, { attention: 'group-query', files: { 'model.onnx': 'fp32' } }),
  };
  // The cut graphs are written on first load: made here, outside the measured children.
  for (const dir of Object.values(dirs)) await (await LlmReranker.load(dir, { threads: 1, promptFormat: 'qwen3-reranker' })).close();
  const results: Measured[] = [];
  for (const config of ['plain+share', 'plain+no-share', 'gqa+share', 'gqa+no-share']) {
    const dir = config.startsWith('gqa') ? dirs.gqa : dirs.plain;
    const out = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', config, '--model', dir, '--threads', String(threads), '--inputs', args.inputs as string], { cwd: repoRoot, encoding: 'utf8', maxBuffer: 1 << 22 });
    results.push(JSON.parse(out.trim().split('\n').pop() as string) as Measured);
    process.stderr.write(`${config}: ${results[results.length - 1].ms.toFixed(0)} ms\n`);
  }
  const plain = results[0];
  const gap = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i])));
  const machine = `${cpus()[0]?.model ?? 'cpu'} x${availableParallelism()}, ${Math.round(totalmem() / 2 ** 30)} GiB, threads ${threads}`;
  const lines = [
    `Export forms, ${layers} layers at Qwen3-Reranker-0.6B's widths, 50 ${args.inputs} documents, output cut; ${machine}; ${new Date().toISOString().slice(0, 10)}`,
    '',
    '| configuration | forward passes | ms (2nd call) | vs plain+share | peak RSS MB | max score gap to plain+share |',
    '|---|---|---|---|---|---|',
    ...results.map((r) => `| ${r.config} | ${r.passes} | ${r.ms.toFixed(0)} | ${(r.ms / plain.ms).toFixed(2)}x | ${r.peakRssMb.toFixed(0)} | ${gap(r.scores, plain.scores).toExponential(1)} |`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
