import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { HubError, resolveModelDir } from '../src/hub/index.js';
import { startFakeHub, type FakeHub, type LoggedRequest } from './support/fakeHub.js';
import { clearHubEnv, tempDir, tinyBertRepoFiles, withEnv } from './support/hubRepos.js';

const ID = 'test-org/tiny-bert';
const WEIGHTS = 'onnx/model_quantized.onnx';

let hub: FakeHub;
let files: Record<string, Buffer>;
let sha256 = '';

before(async () => {
  clearHubEnv();
  files = await tinyBertRepoFiles();
  hub = await startFakeHub([{ id: ID, files }]);
  sha256 = hub.fileInfo(ID, WEIGHTS).sha256;
});

after(() => hub.close());

const blobsOf = (cacheDir: string): string => join(cacheDir, 'models--test-org--tiny-bert', 'blobs');

function weightGets(since: number): LoggedRequest[] {
  return hub.requests.slice(since).filter((r) => r.server === 'cdn' && r.method === 'GET' && r.path.startsWith(`/blobs/${sha256}`));
}

test('a connection cut mid-file is resumed with a Range request, and the result verifies', async () => {
  const cacheDir = await tempDir('hub-cut');
  const since = hub.requests.length;
  hub.faults.cut = { path: WEIGHTS, afterBytes: 1_500_000, times: 1 };
  try {
    const dir = await resolveModelDir(ID, { cacheDir, endpoint: hub.endpoint });
    assert.deepEqual(readFileSync(join(dir, WEIGHTS)), files[WEIGHTS]);
  } finally {
    delete hub.faults.cut;
  }
  const gets = weightGets(since);
  assert.equal(gets.length, 2);
  assert.equal(gets[0].headers.range, undefined);
  const resumedAt = Number(/^bytes=(\d+)-$/.exec(gets[1].headers.range ?? '')?.[1]);
  assert.ok(resumedAt > 0 && resumedAt <= 1_500_000, `resumed at ${gets[1].headers.range}`);
});

test('a partial file left by an earlier run is resumed, not downloaded again', async () => {
  const cacheDir = await tempDir('hub-resume');
  mkdirSync(blobsOf(cacheDir), { recursive: true });
  writeFileSync(join(blobsOf(cacheDir), `${sha256}.incomplete`), files[WEIGHTS].subarray(0, 3_000_000));
  const since = hub.requests.length;
  const dir = await resolveModelDir(ID, { cacheDir, endpoint: hub.endpoint });
  assert.deepEqual(readFileSync(join(dir, WEIGHTS)), files[WEIGHTS]);
  assert.deepEqual(
    weightGets(since).map((r) => r.headers.range),
    ['bytes=3000000-'],
  );
  assert.ok(!existsSync(join(blobsOf(cacheDir), `${sha256}.incomplete`)));
});

test('a stalled transfer is abandoned after HF_HUB_DOWNLOAD_TIMEOUT and resumed', async () => {
  const cacheDir = await tempDir('hub-stall');
  const since = hub.requests.length;
  hub.faults.hang = { path: WEIGHTS, afterBytes: 1_000_000, times: 1 };
  try {
    const dir = await withEnv({ HF_HUB_DOWNLOAD_TIMEOUT: '0.3' }, () => resolveModelDir(ID, { cacheDir, endpoint: hub.endpoint }));
    assert.deepEqual(readFileSync(join(dir, WEIGHTS)), files[WEIGHTS]);
  } finally {
    delete hub.faults.hang;
  }
  const gets = weightGets(since);
  assert.equal(gets.length, 2);
  assert.match(gets[1].headers.range ?? '', /^bytes=[1-9]\d*-$/);
});

test('corrupted bytes are rejected by their sha256 and leave nothing in the cache', async () => {
  const cacheDir = await tempDir('hub-corrupt');
  hub.faults.corrupt = WEIGHTS;
  try {
    await assert.rejects(resolveModelDir(ID, { cacheDir, endpoint: hub.endpoint }), (error: unknown) => {
      assert.ok(error instanceof HubError && error.kind === 'integrity', String(error));
      assert.match(error.message, new RegExp(`^onnx/model_quantized\\.onnx of test-org/tiny-bert is corrupt: its sha256 is [0-9a-f]{64}, the hub says ${sha256}; nothing was cached`));
      return true;
    });
  } finally {
    delete hub.faults.corrupt;
  }
  assert.deepEqual(readdirSync(blobsOf(cacheDir)).filter((name) => name.startsWith(sha256)), []);
  const snapshot = join(cacheDir, 'models--test-org--tiny-bert', 'snapshots', hub.commitOf(ID));
  assert.ok(!existsSync(join(snapshot, WEIGHTS)));
  // Once the hub serves the right bytes, the same cache completes.
  assert.deepEqual(readFileSync(join(await resolveModelDir(ID, { cacheDir, endpoint: hub.endpoint }), WEIGHTS)), files[WEIGHTS]);
});

test('a full disk is an error that says so before the download', async () => {
  const cacheDir = await tempDir('hub-disk');
  hub.faults.announcedSize = { path: WEIGHTS, size: 2 ** 53 - 1 };
  try {
    await assert.rejects(resolveModelDir(ID, { cacheDir, endpoint: hub.endpoint }), (error: unknown) => {
      assert.ok(error instanceof HubError && error.kind === 'disk', String(error));
      assert.match(error.message, /^disk full: onnx\/model_quantized\.onnx of test-org\/tiny-bert needs 9\.01 PB but .* free; .*HF_HUB_CACHE/);
      return true;
    });
  } finally {
    delete hub.faults.announcedSize;
  }
});

test('a disk that fills during the download is an error that says so', { skip: existsSync('/dev/full') ? false : 'no /dev/full on this system to fill a write' }, async () => {
  // /dev/full answers every write with ENOSPC: the partial file of the weights is made to point there.
  const fullCache = await tempDir('hub-devfull');
  mkdirSync(blobsOf(fullCache), { recursive: true });
  const partial = join(blobsOf(fullCache), `${sha256}.incomplete`);
  symlinkSync('/dev/full', partial);
  await assert.rejects(resolveModelDir(ID, { cacheDir: fullCache, endpoint: hub.endpoint }), (error: unknown) => {
    assert.ok(error instanceof HubError && error.kind === 'disk', String(error));
    assert.match(error.message, /^disk full: no space left to write onnx\/model_quantized\.onnx of test-org\/tiny-bert into .*blobs; free some space or set HF_HUB_CACHE/);
    return true;
  });
  assert.ok(!existsSync(partial), 'the partial file is removed');
});
