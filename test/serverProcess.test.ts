import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { TeiRerankResponse } from '../src/server/routes/tei.js';
import { repoRoot } from './support/paths.js';
import { serve, type Served } from './support/serveProcess.js';
import { testModel } from './support/testModels.js';

/** A request whose single forward pass takes a good fraction of a second even on the tiny model. */
function longRequest(): { query: string; texts: string[] } {
  const words = 'imagemagick converts resizes and edits images from the command line in many formats'.split(' ');
  const texts = Array.from({ length: 64 }, (_, i) => Array.from({ length: 600 }, (_, w) => words[(w * 7 + i) % words.length]).join(' '));
  return { query: 'convert images', texts };
}

const KEY = 'env-key';
let served: Served;

before(async () => {
  const dir = (await testModel('tiny-bert')).dir;
  // One forward pass per request (64 pairs x 512 tokens), one thread: a long, blocking-prone batch.
  served = await serve(['--model', dir, '--variant', 'fp32', '--threads', '1', '--batch-size', '64', '--batch-tokens', '100000'], {
    CROSSRANK_PORT: '0',
    CROSSRANK_API_KEY: KEY,
    CROSSRANK_MAX_DOCUMENTS: '100',
  });
});
after(() => {
  if (served.child.exitCode === null) served.child.kill('SIGKILL');
});

const post = (path: string, body: unknown, headers: Record<string, string> = { authorization: `Bearer ${KEY}` }) =>
  fetch(`${served.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

test('crossrank serve: loopback by default, settings from the environment', async () => {
  assert.match(served.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal((await post('/rerank', { query: 'q', texts: ['a'] }, {})).status, 401);
  assert.equal((await post('/rerank', { query: 'q', texts: ['a'] })).status, 200);
  const info = (await (await fetch(`${served.url}/info`, { headers: { authorization: `Bearer ${KEY}` } })).json()) as { limits: { max_documents: number } };
  assert.equal(info.limits.max_documents, 100);
});

test('/health answers while a long batch is being scored', async () => {
  const started = performance.now();
  let finished = 0;
  const long = post('/rerank', longRequest()).then(async (response) => {
    finished = performance.now();
    return { status: response.status, body: (await response.json()) as TeiRerankResponse };
  });
  const probes: number[] = [];
  while (finished === 0) {
    const sent = performance.now();
    const health = await fetch(`${served.url}/health`);
    assert.equal(health.status, 200);
    await health.text();
    if (finished === 0) probes.push(performance.now() - sent);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const { status, body } = await long;
  assert.equal(status, 200);
  assert.equal(body.length, 64);
  const duration = finished - started;
  // If the forward pass ran on the event loop, a probe sent during it would wait for its end.
  assert.ok(duration > 400, `the batch took ${duration.toFixed(0)} ms: too short to tell`);
  assert.ok(probes.length >= 5, `only ${probes.length} health checks answered during ${duration.toFixed(0)} ms`);
  const slowest = Math.max(...probes);
  assert.ok(slowest < duration / 3, `a health check took ${slowest.toFixed(0)} ms during a ${duration.toFixed(0)} ms batch`);
});

test('SIGTERM: the request in flight is answered, new connections are refused, exit 0', async () => {
  const inFlight = post('/rerank', longRequest());
  await new Promise((resolve) => setTimeout(resolve, 150));
  served.child.kill('SIGTERM');
  const response = await inFlight;
  assert.equal(response.status, 200);
  assert.equal(((await response.json()) as unknown[]).length, 64);
  assert.equal(await served.exit, 0, served.stderr());
  assert.match(served.stdout(), /SIGTERM: finishing requests in flight, then exiting/);
  await assert.rejects(fetch(`${served.url}/health`), /fetch failed/);
});

test('crossrank serve: bad flags and a bad model are one line on stderr and a non-zero exit', async () => {
  const run = (args: string[]) =>
    new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'src/cli/main.ts'), 'serve', ...args], { cwd: repoRoot });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('close', (code) => resolve({ code, stderr }));
    });
  const cases: Array<[string[], RegExp]> = [
    [['--model', 'x', '--port', 'abc'], /option '--port <n>' argument 'abc' is invalid\. expected an integer >= 0/],
    [['--model', 'x', '--max-queue', '0'], /--max-queue <n>' argument '0' is invalid/],
    [['--model', 'x', '--device', 'tpu'], /option '--device <device>' argument 'tpu' is invalid\. Allowed choices are cpu, cuda\./],
    [['--model', '/nonexistent/model', '--port', '0', '--log-level', 'silent'], /^crossrank: .*\/nonexistent\/model does not exist/],
  ];
  for (const [args, pattern] of cases) {
    const { code, stderr } = await run(args);
    assert.notEqual(code, 0, args.join(' '));
    const lines = stderr.trim().split('\n');
    assert.equal(lines.length, 1, stderr);
    assert.match(lines[0], pattern);
  }
});
