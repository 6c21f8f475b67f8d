import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { withFileLock } from '../src/hub/lock.js';
import { startFakeHub, type FakeHub } from './support/fakeHub.js';
import { HUB_ENV_VARS, clearHubEnv, tempDir, tinyBertRepoFiles } from './support/hubRepos.js';
import { runCli, type CliRun } from './support/runCli.js';

const ID = 'test-org/tiny-bert';
const WEIGHTS = 'onnx/model_quantized.onnx';

let hub: FakeHub;
let files: Record<string, Buffer>;

before(async () => {
  clearHubEnv();
  files = await tinyBertRepoFiles();
  hub = await startFakeHub([{ id: ID, files }]);
});

after(() => hub.close());

function crossrankDownload(cacheDir: string): Promise<CliRun> {
  const env: NodeJS.ProcessEnv = { ...process.env, HF_ENDPOINT: hub.endpoint, HF_HUB_CACHE: cacheDir };
  for (const name of HUB_ENV_VARS) if (name !== 'HF_ENDPOINT' && name !== 'HF_HUB_CACHE') delete env[name];
  return runCli(['download', ID], { env });
}

test('two processes loading the same model at once: one download, both succeed', async () => {
  const cacheDir = await tempDir('hub-concurrent');
  const since = hub.requests.length;
  const weightHeads = (): number => hub.requests.slice(since).filter((r) => r.method === 'HEAD' && r.path.endsWith(`/resolve/${hub.commitOf(ID)}/${WEIGHTS}`)).length;
  // The first download of the weights is held until the other process has asked about them too,
  // then trickles, so the second one meets the first one's lock.
  hub.faults.holdBody = { path: WEIGHTS, until: () => weightHeads() >= 2, thenMs: 200 };
  hub.faults.throttle = { chunkBytes: 256 * 1024, intervalMs: 20 };
  let runs: CliRun[];
  try {
    runs = await Promise.all([crossrankDownload(cacheDir), crossrankDownload(cacheDir)]);
  } finally {
    delete hub.faults.holdBody;
    delete hub.faults.throttle;
  }
  for (const run of runs) {
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, '', 'no progress output when stderr is not a terminal');
  }
  const dir = runs[0].stdout.trim();
  assert.equal(runs[1].stdout.trim(), dir);
  assert.deepEqual(readFileSync(join(dir, WEIGHTS)), files[WEIGHTS]);

  const gets = hub.requests.slice(since).filter((r) => r.method === 'GET');
  const sha256 = hub.fileInfo(ID, WEIGHTS).sha256;
  assert.equal(gets.filter((r) => r.server === 'cdn' && r.path.startsWith(`/blobs/${sha256}`)).length, 1, 'the weights were downloaded once');
  assert.equal(gets.filter((r) => r.server === 'hub' && r.path.endsWith('/tokenizer.json')).length, 1, 'tokenizer.json was downloaded once');
  assert.equal(gets.filter((r) => r.path.startsWith('/api/models/')).length, 2);
  const blobs = readdirSync(join(cacheDir, 'models--test-org--tiny-bert', 'blobs'));
  assert.ok(blobs.every((name) => !name.includes('.')), `no partial files: ${blobs.join(', ')}`);
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

test('the lock lets one holder in at a time, and a live holder keeps its lock fresh', async () => {
  const lock = join(await tempDir('lock-live'), 'blob.lock');
  const events: string[] = [];
  const hold = (name: string, ms: number) =>
    withFileLock(
      lock,
      async () => {
        events.push(`${name} in`);
        await sleep(ms);
        events.push(`${name} out`);
      },
      { staleMs: 120, pollMs: 10 },
    );
  // The first holds for several stale periods: only its heartbeat keeps the second waiting.
  const first = hold('first', 600);
  await sleep(30);
  await Promise.all([first, hold('second', 10)]);
  assert.deepEqual(events, ['first in', 'first out', 'second in', 'second out']);
});

test('a lock left by a dead process, or untouched from another host, is taken over', async () => {
  const dir = await tempDir('lock-stale');
  const exited = spawnSync(process.execPath, ['-e', '']);
  const deadLock = join(dir, 'dead.lock');
  writeFileSync(deadLock, JSON.stringify({ pid: exited.pid, host: hostname(), token: 'dead' }));
  const started = Date.now();
  assert.equal(await withFileLock(deadLock, async () => 'taken', { staleMs: 60_000, pollMs: 10 }), 'taken');
  assert.ok(Date.now() - started < 5_000, 'a dead owner is not waited for');

  const remoteLock = join(dir, 'remote.lock');
  writeFileSync(remoteLock, JSON.stringify({ pid: 1, host: 'another-host', token: 'remote' }));
  const past = new Date(Date.now() - 10_000);
  utimesSync(remoteLock, past, past);
  assert.equal(await withFileLock(remoteLock, async () => 'taken', { staleMs: 1_000, pollMs: 10 }), 'taken');
  assert.deepEqual(readdirSync(dir), [], 'locks are removed when released');
});
