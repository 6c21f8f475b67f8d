/**
 * The cost of exactness in tokenizing: crossrank's PairEncoder (the sentencepiece charsmap and
 * the other exact parts, src/tokenize/exactTokenizer.ts) against @huggingface/tokenizers alone
 * (its NFKC approximation), and against the Rust `tokenizers` binding, on the same
 * tokenizer.json: the XLM-R layout converted from the committed spm_train model.
 *
 *   npx tsx bench/tokenize.ts [--iterations 20] [--inputs varied,uniform]
 *
 * Each contender encodes the 50 documents of an assets/bench input (no special tokens), round-robin.
 */
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Tokenizer } from '@huggingface/tokenizers';
import tokenizers from 'tokenizers';
import { ensureTestModel } from '../scripts/model-gen/ensureTestModel.js';
import { readJsonObject } from '../src/model/index.js';
import { PairEncoder } from '../src/tokenize/pairEncoder.js';
import { summarize } from './stats.js';
import { benchInput } from './benchInputs.js';

const repoRoot = fileURLToPath(new URL('../', import.meta.url));
const { values: args } = parseArgs({
  options: { iterations: { type: 'string', default: '20' }, inputs: { type: 'string', default: 'varied,uniform' } },
});
const iterations = Number(args.iterations);

const dir = await ensureTestModel('tiny-xlmr', join(repoRoot, 'models'));
const json = readJsonObject(join(dir, 'tokenizer.json'));
const config = readJsonObject(join(dir, 'tokenizer_config.json'));
const exact = PairEncoder.fromJson(json, config);
const library = new Tokenizer(json, config);
const rust = tokenizers.Tokenizer.fromFile(join(dir, 'tokenizer.json'));

const contenders: [string, (text: string) => Promise<number>][] = [
  ['crossrank (exact charsmap)', async (text) => exact.encodeText(text).ids.length],
  ['@huggingface/tokenizers (approximation)', async (text) => library.encode(text, { add_special_tokens: false }).ids.length],
  ['tokenizers (Rust binding)', async (text) => (await rust.encode(text, null, { addSpecialTokens: false })).getIds().length],
];

const lines = ['| input | contender | docs/s | p50 ms per 50 docs | vs approximation |', '|---|---|---:|---:|---:|'];
for (const input of args.inputs!.split(',')) {
  const { docs } = benchInput(input);
  const samples = new Map(contenders.map(([name]) => [name, [] as number[]]));
  for (let i = 0; i < iterations + 2; i++) {
    for (const [name, encode] of contenders) {
      const started = performance.now();
      for (const doc of docs) await encode(doc);
      if (i >= 2) samples.get(name)!.push(performance.now() - started);
    }
  }
  const approximation = summarize(samples.get(contenders[1][0])!).meanMs;
  for (const [name] of contenders) {
    const summary = summarize(samples.get(name)!);
    lines.push(`| ${input} | ${name} | ${((docs.length * 1000) / summary.meanMs).toFixed(0)} | ${summary.p50Ms.toFixed(1)} | ${(approximation / summary.meanMs).toFixed(2)}x |`);
  }
}
const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores, Node ${process.version}`;
process.stdout.write(`tokenize 50 docs (XLM-R layout, tiny-xlmr), ${iterations} runs after 2 warm-up, ${new Date().toISOString()}, ${machine}\n\n${lines.join('\n')}\n`);
