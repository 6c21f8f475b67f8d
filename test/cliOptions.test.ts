import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Command, Option } from 'commander';
import { downloadCommand } from '../src/cli/download.js';
import { evalCommand } from '../src/cli/eval.js';
import { indexCommand } from '../src/cli/index.js';
import { modelsCommand } from '../src/cli/models.js';
import { rerankCommand } from '../src/cli/rerank.js';
import { searchCommand } from '../src/cli/search.js';
import { serveCommand } from '../src/cli/serve.js';
import { tokenizeCommand } from '../src/cli/tokenize.js';
import { runCli } from './support/runCli.js';

const COMMANDS: Command[] = [rerankCommand(), tokenizeCommand(), downloadCommand(), modelsCommand(), serveCommand(), indexCommand(), searchCommand(), evalCommand()];

/** What an option is, as a user meets it: its flag, its variable, its default and its help. */
function declaration(option: Option): string {
  return JSON.stringify({ flags: option.flags, env: option.envVar, default: option.defaultValue, choices: option.argChoices });
}

test('a short flag means the same long flag in every command', () => {
  const longOf = new Map<string, Set<string>>();
  for (const command of COMMANDS) {
    for (const option of command.options as Option[]) {
      if (!option.short) continue;
      const longs = longOf.get(option.short) ?? new Set<string>();
      longs.add(option.long ?? '');
      longOf.set(option.short, longs);
    }
  }
  for (const [short, longs] of longOf) assert.equal(longs.size, 1, `${short} means ${[...longs].join(' and ')}`);
  assert.deepEqual([...(longOf.get('-m') ?? [])], ['--model']);
});

test('an engine option is declared once: the same flag, variable, default and choices wherever it appears', () => {
  const shared = ['--model', '--variant', '--threads', '--device', '--max-length', '--truncation', '--batch-size', '--batch-tokens', '--chunk', '--chunk-window', '--chunk-stride', '--max-chunks', '--quiet'];
  for (const long of shared) {
    const seen = new Map<string, string[]>();
    for (const command of COMMANDS) {
      const option = (command.options as Option[]).find((o) => o.long === long);
      if (!option) continue;
      // The model's default differs on purpose: search and eval rerank only when given one.
      const what = long === '--model' ? JSON.stringify({ flags: option.flags, env: option.envVar }) : declaration(option);
      seen.set(what, [...(seen.get(what) ?? []), command.name()]);
    }
    assert.ok(seen.size <= 1, `${long} is declared differently: ${[...seen].map(([what, names]) => `${names.join(', ')}: ${what}`).join(' / ')}`);
  }
  // rerank and serve take the same engine options.
  const engine = (command: Command): string[] => (command.options as Option[]).map((o) => o.long ?? '').filter((long) => shared.includes(long)).sort();
  assert.deepEqual(engine(serveCommand()), engine(rerankCommand()).filter((long) => long !== '--activation'));
});

test('every command that can draw a progress bar (indexing, evaluating, a model download) takes --quiet', () => {
  for (const command of COMMANDS.filter((c) => c.name() !== 'models')) {
    assert.ok((command.options as Option[]).some((o) => o.long === '--quiet'), `${command.name()} has no --quiet`);
  }
});

test('engine options read their environment variable in every command: a bad CROSSRANK_THREADS is refused by rerank too', async () => {
  const run = await runCli(['rerank', '-q', 'q', '-d', '/dev/null'], { env: { ...process.env, CROSSRANK_THREADS: 'zero' } });
  assert.notEqual(run.code, 0);
  assert.match(run.stderr, /--threads <n>' value 'zero' from env 'CROSSRANK_THREADS' is invalid/);
  assert.equal(run.stderr.trim().split('\n').length, 1);
});
