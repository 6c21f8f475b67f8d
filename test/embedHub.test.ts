import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, before, test } from 'node:test';
import { ensureTestModel } from '../scripts/model-gen/ensureTestModel.js';
import { BiEncoder } from '../src/embed/biEncoder.js';
import { startFakeHub, type FakeHub } from './support/fakeHub.js';
import { clearHubEnv, tempDir } from './support/hubRepos.js';

const ID = 'crossrank-test/tiny-embed';
const TEXTS = ['ImageMagick converts images from the command line.', 'A tiny text editor.', 'Berlin'];

let hub: FakeHub;
let localDir: string;
const temps: string[] = [];

/** Every file of a model directory, by its path inside it, as a hub repo holds them. */
function repoFiles(dir: string): Record<string, Buffer> {
  const files: Record<string, Buffer> = {};
  const walk = (at: string): void => {
    for (const name of readdirSync(at)) {
      const path = join(at, name);
      if (statSync(path).isDirectory()) walk(path);
      else files[relative(dir, path)] = readFileSync(path);
    }
  };
  walk(dir);
  return files;
}

before(async () => {
  clearHubEnv();
  localDir = await ensureTestModel('tiny-embed');
  hub = await startFakeHub([{ id: ID, files: repoFiles(localDir) }]);
});

after(async () => {
  await hub.close();
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

test('BiEncoder.load takes a hub id: it resolves through the cache, with the pooling files, and embeds as the local directory does', async () => {
  const cacheDir = await tempDir('embed-hub');
  temps.push(cacheDir);
  const local = await BiEncoder.load(localDir, { threads: 1 });
  const fromHub = await BiEncoder.load(ID, { threads: 1, cacheDir, endpoint: hub.endpoint, quiet: true });
  // On a worker thread too, from the cache now (no second download).
  const requestsBefore = hub.requests.length;
  const onWorker = await BiEncoder.load(ID, { threads: 1, cacheDir, endpoint: hub.endpoint, quiet: true, localFilesOnly: true, worker: true });
  try {
    assert.ok(fromHub.info.modelDir.startsWith(cacheDir), `${fromHub.info.modelDir} is not in the cache`);
    assert.equal(hub.requests.length, requestsBefore);
    assert.deepEqual(
      { pooling: fromHub.info.pooling, normalize: fromHub.info.normalize, dimension: fromHub.info.dimension, maxLength: fromHub.info.maxLength },
      { pooling: local.info.pooling, normalize: local.info.normalize, dimension: local.info.dimension, maxLength: local.info.maxLength },
    );
    assert.equal(fromHub.info.poolingSource, local.info.poolingSource);
    const expected = await local.embed(TEXTS);
    assert.deepEqual(await fromHub.embed(TEXTS), expected);
    assert.deepEqual(await onWorker.embed(TEXTS), expected);
  } finally {
    await Promise.all([local.close(), fromHub.close(), onWorker.close()]);
  }
});
