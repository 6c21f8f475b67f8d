import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/server/app.js';
import { DEFAULT_SERVER_CONFIG, SERVER_SETTINGS } from '../src/server/config.js';
import { STARTER_MODEL_ID } from '../src/model/index.js';
import { repoRoot } from './support/paths.js';
import { runCli } from './support/runCli.js';

// The README's server examples, checked against what the default (starter) model answers, so the
// output shown cannot drift from what a reader gets.
const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');

/** The text of README section `heading` (up to the next heading of any level). */
function section(heading: string): string {
  const start = readme.indexOf(`\n${heading}\n`);
  assert.ok(start >= 0, `README has no section ${heading}`);
  const end = readme.slice(start + heading.length + 2).search(/\n#{1,6} /);
  return readme.slice(start, end < 0 ? undefined : start + heading.length + 2 + end);
}

/** The fenced code blocks of `text` in `language` ('' for a fence without one), in order. */
function codeBlocks(text: string, language: string): string[] {
  const blocks: string[] = [];
  let open: { language: string; lines: string[] } | undefined;
  for (const line of text.split('\n')) {
    if (open === undefined && line.startsWith('```')) open = { language: line.slice(3).trim(), lines: [] };
    else if (open !== undefined && line === '```') {
      if (open.language === language) blocks.push(`${open.lines.join('\n')}\n`);
      open = undefined;
    } else open?.lines.push(line);
  }
  return blocks;
}

/** The request a README curl line sends: its path and its -d '...' body. */
function curlRequest(block: string): { url: string; body: unknown } {
  const url = /curl -s http:\/\/127\.0\.0\.1:8080(\/\S+)/.exec(block)?.[1];
  const body = /-d '([\s\S]*?)'/.exec(block)?.[1];
  assert.ok(url && body, `no curl request in:\n${block}`);
  return { url, body: JSON.parse(body) };
}

/** Equal up to float noise (other CPUs may differ in the last bits); `id` is random per request. */
function assertSameAnswer(actual: unknown, shown: unknown, path = '$'): void {
  if (typeof shown === 'number') {
    assert.equal(typeof actual, 'number', path);
    assert.ok(Math.abs((actual as number) - shown) <= 1e-6, `${path}: the server gives ${String(actual)}, the README shows ${shown}`);
  } else if (Array.isArray(shown)) {
    assert.ok(Array.isArray(actual) && actual.length === shown.length, `${path}: ${JSON.stringify(actual)}`);
    shown.forEach((item, i) => assertSameAnswer((actual as unknown[])[i], item, `${path}[${i}]`));
  } else if (shown !== null && typeof shown === 'object') {
    const keys = Object.keys(shown).filter((key) => key !== 'id' || path !== '$');
    assert.deepEqual(Object.keys(actual as object).filter((key) => key !== 'id' || path !== '$').sort(), [...keys].sort(), path);
    for (const key of keys) assertSameAnswer((actual as Record<string, unknown>)[key], (shown as Record<string, unknown>)[key], `${path}.${key}`);
  } else {
    assert.equal(actual, shown, path);
  }
}

let app: FastifyInstance;
before(async () => {
  app = await buildApp({ engine: { threads: 1 } });
  await app.crossrank.ready;
});
after(() => app.close());

for (const heading of ['### Cohere shape', '### TEI shape']) {
  test(`README ${heading.slice(4)}: the curl example gives the output shown, with the default model`, async () => {
    const text = section(heading);
    const { url, body } = curlRequest(codeBlocks(text, 'sh')[0]!);
    const shown: unknown = JSON.parse(codeBlocks(text, 'json')[0]!);
    const response = await app.inject({ method: 'POST', url, payload: body as object });
    assert.equal(response.statusCode, 200, response.body);
    assertSameAnswer(response.json(), shown);
  });
}

test('README serve settings table: every setting, with its flag, variable and default', () => {
  const rows = new Map(
    section('### Settings')
      .split('\n')
      .filter((line) => line.startsWith('| `--'))
      .map((line) => {
        const [flag, env, fallback] = line.split(' | ').map((cell) => cell.replace(/^\| /, '').trim());
        return [flag!.replaceAll('`', ''), { env: env!.replaceAll('`', ''), fallback: fallback!.replaceAll('`', '') }] as const;
      }),
  );
  assert.deepEqual(rows.get('--model <dir|id>'), { env: 'CROSSRANK_MODEL', fallback: STARTER_MODEL_ID });
  for (const setting of SERVER_SETTINGS) {
    const row = rows.get(setting.flag);
    assert.ok(row, `README's settings table has no row for ${setting.flag}`);
    assert.equal(row.env, setting.env, setting.flag);
    const value = DEFAULT_SERVER_CONFIG[setting.key];
    // `crossrank serve` names the model after --model unless told otherwise (serve.ts).
    if (setting.key === 'modelId') assert.equal(row.fallback, '--model');
    else if (typeof value === 'number' || typeof value === 'string') assert.equal(row.fallback, String(value), `${setting.flag} default`);
  }
});

/** Words of a shell command line: plain words and "double-quoted" ones (all the README uses). */
function shellWords(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

test('README First ranking: the command prints the table shown (scores to within 1e-5)', async () => {
  const text = section('## First ranking');
  const command = codeBlocks(text, 'sh')[0]!.trim();
  const [npx, crossrank, ...args] = shellWords(command);
  assert.deepEqual([npx, crossrank], ['npx', 'crossrank'], command);
  const shown = codeBlocks(text, '')[0]!.trimEnd().split('\n');
  const run = await runCli(args);
  assert.equal(run.code, 0, run.stderr);
  const printed = run.stdout.trimEnd().split('\n');
  assert.equal(printed[0], shown[0], 'the header');
  assert.equal(printed.length, shown.length, run.stdout);
  const row = (line: string) => /^\s*(\d+)\s+(\d+)\s+(-?[\d.]+)  (.*)$/.exec(line);
  for (let i = 1; i < shown.length; i++) {
    const [, rank, index, score, document] = row(printed[i]!) ?? [];
    const [, shownRank, shownIndex, shownScore, shownDocument] = row(shown[i]!) ?? [];
    assert.deepEqual([rank, index, document], [shownRank, shownIndex, shownDocument], `row ${i}`);
    assert.ok(Math.abs(Number(score) - Number(shownScore)) <= 1e-5, `row ${i}: printed ${score}, the README shows ${shownScore}`);
  }
});

test('README Search: the eval figures shown are what `crossrank eval` prints for the starter on beir-mini', async () => {
  const text = section('## Search: index, search with reranking, evaluate');
  const evalLine = codeBlocks(text, 'sh')[0]!.split('\n').find((line) => line.startsWith('npx crossrank eval '));
  assert.ok(evalLine, 'the README runs crossrank eval');
  // The README's eval reads the index built before it; the BM25 and rerank runs shown do not depend
  // on its vectors, so a BM25-only eval (a temporary index) must print the same rows.
  const out = mkdtempSync(join(tmpdir(), 'crossrank-readme-eval-'));
  try {
    const args = shellWords(evalLine).slice(2);
    const withoutIndex = args.filter((arg, i) => arg !== '--index' && args[i - 1] !== '--index').map((arg, i, all) => (all[i - 1] === '--out' ? out : arg));
    const run = await runCli(withoutIndex);
    assert.equal(run.code, 0, run.stderr);
    const shown = codeBlocks(text, '')[0]!.split('\n');
    // Metric rows: every column but the timing; win/loss lines: whole.
    const rowFigures = (line: string) => line.trim().split(/\s+/).slice(0, 6).join(' ');
    const shownRows = shown.filter((line) => /^bm25\S*\s+\d/.test(line));
    assert.ok(shownRows.length >= 2, 'the README shows metric rows');
    for (const line of shownRows) {
      const name = line.split(/\s+/)[0]!;
      const printed = run.stdout.split('\n').find((l) => l.split(/\s+/)[0] === name);
      assert.equal(printed && rowFigures(printed), rowFigures(line), `run ${name}`);
    }
    for (const line of shown.filter((l) => l.includes(' vs '))) assert.ok(run.stdout.split('\n').includes(line), `eval prints: ${line}`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
