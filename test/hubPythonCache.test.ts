import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { ensureTestModel } from '../scripts/model-gen/ensureTestModel.js';
import { listCachedModels } from '../src/hub/index.js';
import { CrossEncoder } from '../src/index.js';
import { clearHubEnv, closedPortEndpoint, tempDir, withEnv } from './support/hubRepos.js';
import { writePythonStyleCache } from './support/pythonCache.js';

const ID = 'cross-encoder/ms-marco-tiny';
const COMMIT = 'c5ee24cb16019beea0893ab7796b1df96625c6b8';
const OLD_COMMIT = '0123456789abcdef0123456789abcdef01234567';
const documents = ['ImageMagick converts and resizes images.', 'A tiny text editor.', 'Berlin has 3.7 million inhabitants.'];

let localDir = '';
let cacheDir = '';
let files: Record<string, Buffer> = {};

before(async () => {
  clearHubEnv();
  localDir = await ensureTestModel('tiny-bert');
  // What `hf_hub_download` of the fp32 weights and the tokenizer leaves behind.
  for (const path of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'onnx/model.onnx']) files[path] = readFileSync(join(localDir, path));
  cacheDir = await tempDir('hub-python');
  writePythonStyleCache(cacheDir, ID, COMMIT, files, ['main', 'v2']);
  writePythonStyleCache(cacheDir, 'other-org/older', OLD_COMMIT, { 'config.json': files['config.json'] }, []);
});

async function ranking(nameOrDir: string, options: Parameters<typeof CrossEncoder.load>[1] = {}): Promise<unknown> {
  const encoder = await CrossEncoder.load(nameOrDir, { threads: 1, ...options });
  try {
    return { dir: encoder.info.modelDir, variant: encoder.info.variant, results: await encoder.rerank('convert images', documents) };
  } finally {
    await encoder.close();
  }
}

test("a model Python's huggingface_hub downloaded loads with HF_HUB_OFFLINE=1 and no server at all", async () => {
  const expected = { dir: join(cacheDir, 'models--cross-encoder--ms-marco-tiny', 'snapshots', COMMIT), variant: 'fp32', results: (await ranking(localDir, { variant: 'fp32' }) as { results: unknown }).results };
  await withEnv({ HF_HUB_OFFLINE: '1', HF_HUB_CACHE: cacheDir }, async () => {
    assert.deepEqual(await ranking(ID), expected);
    assert.deepEqual(await ranking(`${ID}@v2`), expected);
  });
  // Online, with a hub that cannot be reached, the cache serves; a cached pinned commit needs no network at all.
  const unreachable = await closedPortEndpoint();
  assert.deepEqual(await ranking(ID, { cacheDir, endpoint: unreachable }), expected);
  assert.deepEqual(await ranking(`${ID}@${COMMIT}`, { cacheDir, endpoint: unreachable }), expected);
});

test('listCachedModels reads the cache: ids, sizes on disk, refs and snapshots', () => {
  const models = listCachedModels(cacheDir);
  assert.deepEqual(
    models.map(({ id, sizeOnDisk, refs, snapshots }) => ({ id, sizeOnDisk, refs, snapshots })),
    [
      { id: 'cross-encoder/ms-marco-tiny', sizeOnDisk: Object.values(files).reduce((sum, content) => sum + content.length, 0), refs: { main: COMMIT, v2: COMMIT }, snapshots: [COMMIT] },
      { id: 'other-org/older', sizeOnDisk: files['config.json'].length, refs: {}, snapshots: [OLD_COMMIT] },
    ],
  );
  assert.equal(models[0].path, join(cacheDir, 'models--cross-encoder--ms-marco-tiny'));
  assert.deepEqual(listCachedModels(join(cacheDir, 'missing')), []);
});
