/**
 * Peak memory of the CLI with one 50 MB single-line document (issue #11, finding 8): `rerank`,
 * `index` (BM25 and vectors) and `search` with reranking, each for a document of words and one
 * of dots, beside the same command on 20 small documents alone (the peer: what the process costs
 * without the huge document). Peak RSS is /usr/bin/time's maximum resident set size.
 *
 *   npx tsx bench/huge-document.ts [--megabytes 50]
 *
 * Test models (tiny-bert, tiny-embed): the document's cost does not depend on the model, since
 * the model reads at most max_length tokens of it. Prints a Markdown table.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureTestModel } from '../scripts/model-gen/ensureTestModel.js';

const repoRoot = fileURLToPath(new URL('../', import.meta.url));
const { values: args } = parseArgs({ options: { megabytes: { type: 'string', default: '50' } } });
const characters = Number(args.megabytes) * 1_000_000;
if (!existsSync('/usr/bin/time')) throw new Error('this benchmark reads peak memory from /usr/bin/time (apt-get install time)');

const work = mkdtempSync(join(tmpdir(), 'crossrank-huge-'));
const words = 'relevant passage about reranking retrieval engines with cross encoders and query document pairs'.split(' ');
function hugeText(kind: string): string {
  if (kind === 'dots') return '.'.repeat(characters);
  const parts: string[] = [];
  let length = 0;
  for (let i = 0; length < characters; i++) {
    const word = words[(i * 7) % words.length];
    parts.push(word);
    length += word.length + 1;
  }
  return parts.join(' ').slice(0, characters);
}
const small = Array.from({ length: 20 }, (_, i) => ({ _id: `d${i}`, text: `small document ${i} about reranking` }));

/** Peak RSS (MB) and seconds of `crossrank <args>`; throws if it fails. */
function peak(cliArgs: string[]): { mb: number; seconds: number } {
  const started = performance.now();
  const run = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, '--import', 'tsx', join(repoRoot, 'src/cli/main.ts'), ...cliArgs], {
    cwd: repoRoot,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  if (run.status !== 0) throw new Error(`crossrank ${cliArgs.join(' ')} failed:\n${run.stderr}`);
  const kilobytes = Number(run.stderr.trim().split('\n').pop());
  return { mb: Math.round(kilobytes / 1024), seconds: (performance.now() - started) / 1000 };
}

const rerankModel = await ensureTestModel('tiny-bert');
const embedModel = await ensureTestModel('tiny-embed');
const rows: string[] = [];
try {
  for (const kind of ['words', 'dots']) {
    const text = hugeText(kind);
    const documents = join(work, `${kind}.txt`);
    writeFileSync(documents, `${text}\n${small.map((d) => d.text).join('\n')}\n`);
    const corpus = join(work, `${kind}.jsonl`);
    writeFileSync(corpus, [JSON.stringify({ _id: 'huge', text }), ...small.map((d) => JSON.stringify(d))].join('\n'));
    const smallDocuments = join(work, 'small.txt');
    writeFileSync(smallDocuments, `${small.map((d) => d.text).join('\n')}\n`);
    const smallCorpus = join(work, 'small.jsonl');
    writeFileSync(smallCorpus, small.map((d) => JSON.stringify(d)).join('\n'));
    const index = join(work, `${kind}.sqlite`);
    const smallIndex = join(work, `small-${kind}.sqlite`);
    const commands: Array<[string, string[], string[]]> = [
      ['rerank (table)', ['rerank', '-m', rerankModel, '--variant', 'fp32', '-q', 'reranking engines', '-d', documents, '--format', 'text'], ['rerank', '-m', rerankModel, '--variant', 'fp32', '-q', 'reranking engines', '-d', smallDocuments, '--format', 'text']],
      ['index (BM25 and vectors)', ['index', corpus, '-i', index, '-e', embedModel], ['index', smallCorpus, '-i', smallIndex, '-e', embedModel]],
      ['search + rerank (table)', ['search', 'reranking engines', '-i', index, '-m', rerankModel], ['search', 'reranking engines', '-i', smallIndex, '-m', rerankModel]],
      ['search + rerank (--json)', ['search', 'reranking engines', '-i', index, '-m', rerankModel, '--json'], ['search', 'reranking engines', '-i', smallIndex, '-m', rerankModel, '--json']],
    ];
    for (const [name, huge, peer] of commands) {
      const withHuge = peak(huge);
      const alone = peak(peer);
      rows.push(`| ${kind} | ${name} | ${withHuge.mb} | ${withHuge.seconds.toFixed(1)} | ${alone.mb} | ${(withHuge.mb / alone.mb).toFixed(2)}x |`);
      process.stderr.write(`${rows[rows.length - 1]}\n`);
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
process.stdout.write(
  [
    `Peak memory with one ${args.megabytes} MB single-line document: ${new Date().toISOString()}, ${cpus()[0]?.model ?? 'cpu'} x ${availableParallelism()}, ${Math.round(totalmem() / 2 ** 30)} GB, load average ${loadavg()[0].toFixed(2)}`,
    '',
    '| document | command | peak MB | s | peak MB, 20 small documents alone | ratio |',
    '|---|---|---:|---:|---:|---:|',
    ...rows,
    '',
  ].join('\n'),
);
