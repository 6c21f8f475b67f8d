/**
 * An LLM reranker (Qwen3-Reranker layout) on 50 documents: time and peak memory with and without
 * the output-matrix cut and with and without prefix sharing, and pairs/s next to the MiniLM-L6
 * cross-encoder in the same run.
 *
 *   npx tsx bench/llm-rerank.ts [--layers 2] [--threads N] [--inputs varied] [--calls 2]
 *   npx tsx bench/llm-rerank.ts --layers 28 --calls 1   # the full 0.6B size: about 40 minutes on 2 cores
 *
 * The model is generated on demand into test/.cache/models (not committed): Qwen3-Reranker-0.6B's
 * widths (hidden 1024, 16 query / 8 key-value heads of 128, intermediate 3072, vocabulary 151,669,
 * tied embeddings) with `--layers` of its 28 layers, so that a run fits 2 CPU cores; the output
 * matrix, which the cut removes, is the real size. Each configuration runs in its own process, so
 * its peak RSS is its own. Prints a Markdown table and writes the numbers to bench/results/.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureTestModel } from '../scripts/model-gen/ensureTestModel.js';
import { ensureQwen3Model, qwen3Reranker06bSpec } from '../scripts/model-gen/qwen3Model.js';
import { CrossEncoder, LlmReranker } from '../src/index.js';
import { benchInput } from './benchInputs.js';

const repoRoot = fileURLToPath(new URL('../', import.meta.url));
const { values: args } = parseArgs({
  options: {
    layers: { type: 'string', default: '2' },
    threads: { type: 'string', default: String(availableParallelism()) },
    inputs: { type: 'string', default: 'varied' },
    // 2: a warm-up call, then the measured one. 1: the first call is the figure (the full-size model
    // takes minutes a call, so a warm-up's few seconds of allocation are lost in the noise).
    calls: { type: 'string', default: '2' },
    child: { type: 'string' },
    model: { type: 'string' },
  },
});
const threads = Number(args.threads);
const { query, docs } = benchInput(args.inputs as string);

interface Measured {
  config: string;
  loadMs: number;
  firstMs: number;
  secondMs: number;
  peakRssMb: number;
  /** CPU time (user + system, all threads) of the measured call: on shared cores it is steadier than wall time. */
  cpuMs: number;
  pairs: number;
  tokens?: number;
}

const cpuSince = (start: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
};

/** One configuration, in this (child) process: load, score twice (the second is the figure), report. */
async function child(config: string, modelDir: string): Promise<Measured> {
  const started = performance.now();
  let score: () => Promise<unknown>;
  let close: () => Promise<void>;
  let tokens: number | undefined;
  if (config === 'minilm-l6') {
    const ce = await CrossEncoder.load(modelDir, { threads, variant: 'fp32' });
    score = () => ce.rerank(query, docs);
    close = () => ce.close();
  } else {
    const llm = await LlmReranker.load(modelDir, { threads, cutOutput: config.includes('cut') && !config.includes('uncut'), sharePrefix: !config.includes('no-share'), promptFormat: 'qwen3-reranker' });
    tokens = llm.buildPrompts(query, docs).reduce((n, p) => n + p.sharedIds.length + p.ownIds.length, 0);
    score = () => llm.score(query, docs);
    close = () => llm.close();
  }
  const loadMs = performance.now() - started;
  const cpuAtFirst = process.cpuUsage();
  let t = performance.now();
  await score();
  const firstMs = performance.now() - t;
  let secondMs = firstMs;
  let cpuMs = cpuSince(cpuAtFirst);
  if (Number(args.calls) > 1) {
    const cpuAtSecond = process.cpuUsage();
    t = performance.now();
    await score();
    secondMs = performance.now() - t;
    cpuMs = cpuSince(cpuAtSecond);
  }
  await close();
  return { config, loadMs, firstMs, secondMs, peakRssMb: process.resourceUsage().maxRSS / 1024, cpuMs, pairs: docs.length, tokens };
}

if (args.child) {
  process.stdout.write(`${JSON.stringify(await child(args.child, args.model as string))}\n`);
} else {
  const layers = Number(args.layers);
  const generating = performance.now();
  const llmDir = await ensureQwen3Model(`qwen3-reranker-bench-${layers}l`, qwen3Reranker06bSpec(layers));
  const generatedMs = performance.now() - generating;
  const minilmDir = await ensureTestModel('minilm-l6-bench');
  // The cut graph is written on first load (a copy of the weights): made here, so that no child's peak memory includes it.
  await (await LlmReranker.load(llmDir, { threads: 1, promptFormat: 'qwen3-reranker' })).close();
  const configs: [string, string][] = [
    ['minilm-l6', minilmDir],
    ['cut+share', llmDir],
    ['cut+no-share', llmDir],
    ['uncut+share', llmDir],
    ['uncut+no-share', llmDir],
  ];
  const results: Measured[] = [];
  for (const [config, dir] of configs) {
    const out = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', config, '--model', dir, '--threads', String(threads), '--inputs', args.inputs as string, '--calls', args.calls as string], {
      cwd: repoRoot,
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    });
    results.push(JSON.parse(out.trim().split('\n').pop() as string) as Measured);
    process.stderr.write(`${config}: ${JSON.stringify(results[results.length - 1])}\n`);
  }
  const machine = `${cpus()[0]?.model ?? 'cpu'} x${availableParallelism()}, ${Math.round(totalmem() / 2 ** 30)} GiB, threads ${threads}`;
  const minilm = results[0];
  const lines = [
    `LLM reranker, ${layers} of Qwen3-Reranker-0.6B's 28 layers at its widths (vocabulary 151,669), 50 ${args.inputs} documents; ${machine}; ${new Date().toISOString().slice(0, 10)}; ${args.calls} call(s) per configuration; model generated in ${(generatedMs / 1000).toFixed(0)} s`,
    '',
    `| configuration | prompt tokens | load ms | 1st call ms | ${args.calls === '1' ? 'measured (1st) ms' : '2nd call ms'} | pairs/s | vs MiniLM-L6 | CPU s (measured call) | CPU vs MiniLM-L6 | peak RSS MB |`,
    '|---|---|---|---|---|---|---|---|---|---|',
    ...results.map(
      (r) =>
        `| ${r.config} | ${r.tokens ?? '-'} | ${r.loadMs.toFixed(0)} | ${r.firstMs.toFixed(0)} | ${r.secondMs.toFixed(0)} | ${((r.pairs / r.secondMs) * 1000).toFixed(1)} | ${(r.secondMs / minilm.secondMs).toFixed(1)}x time | ${(r.cpuMs / 1000).toFixed(1)} | ${(r.cpuMs / minilm.cpuMs).toFixed(1)}x | ${r.peakRssMb.toFixed(0)} |`,
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  mkdirSync(join(repoRoot, 'bench/results'), { recursive: true });
  writeFileSync(join(repoRoot, 'bench/results', `llm-rerank-${Date.now()}.json`), JSON.stringify({ machine, layers, generatedMs, results }, null, 2));
}
