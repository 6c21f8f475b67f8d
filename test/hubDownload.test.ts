import assert from 'node:assert/strict';
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ensureTestModel } from '../scripts/model-gen/ensureTestModel.js';
import { HubError, resolveModelDir } from '../src/hub/index.js';
import { CrossEncoder } from '../src/index.js';
import { startFakeHub, type FakeHub } from './support/fakeHub.js';
import { clearHubEnv, closedPortEndpoint, tempDir, tinyBertRepoFiles, withEnv } from './support/hubRepos.js';

const ID = 'test-org/tiny-bert';
const PRIVATE_ID = 'test-org/private-bert';
const GATED_ID = 'test-org/gated-bert';
const NO_ONNX_ID = 'test-org/pytorch-only';
const TOKEN = 'hf_test_token';

let hub: FakeHub;
let localDir = '';

before(async () => {
  clearHubEnv();
  localDir = await ensureTestModel('tiny-bert');
  const files = await tinyBertRepoFiles();
  const pytorchOnly = Object.fromEntries(Object.entries(files).filter(([path]) => !path.endsWith('.onnx')));
  hub = await startFakeHub([
    { id: ID, files, tags: ['v1'] },
    { id: PRIVATE_ID, files, token: TOKEN },
    { id: GATED_ID, files, token: TOKEN, gated: true },
    { id: NO_ONNX_ID, files: pytorchOnly },
  ]);
});

after(() => hub.close());

async function rejectsWith(promise: Promise<unknown>, kind: HubError['kind'], pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof HubError, `expected a HubError, got ${String(error)}`);
    assert.equal(error.kind, kind, error.message);
    assert.match(error.message, pattern);
    assert.ok(!error.message.includes('\n'), 'one line');
    return true;
  });
}

test('downloads only what a reranker needs, in the huggingface_hub cache layout', async () => {
  const cacheDir = await tempDir('hub-layout');
  const dir = await resolveModelDir(ID, { cacheDir, endpoint: hub.endpoint });
  const commit = hub.commitOf(ID);
  const repoRoot = join(cacheDir, 'models--test-org--tiny-bert');
  assert.equal(dir, join(repoRoot, 'snapshots', commit));

  // Config, tokenizer and the CPU default (int8) weights; not vocab.txt, README, PyTorch or fp32 weights.
  const expected = ['config.json', 'onnx/model_quantized.onnx', 'special_tokens_map.json', 'tokenizer.json', 'tokenizer_config.json'];
  const snapshotFiles = readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => !entry.isDirectory())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1))
    .sort();
  assert.deepEqual(snapshotFiles, expected);

  for (const path of expected) {
    const pointer = join(dir, path);
    const info = hub.fileInfo(ID, path);
    // LFS files are stored under their sha256, regular files under their git blob id: both are the hub's ETag.
    const etag = info.lfs ? info.sha256 : info.gitSha1;
    assert.ok(lstatSync(pointer).isSymbolicLink(), `${path} is a symlink`);
    assert.equal(readlinkSync(pointer), `${'../'.repeat(path.split('/').length + 1)}blobs/${etag}`);
    assert.deepEqual(readFileSync(pointer), readFileSync(join(localDir, path)));
  }
  assert.equal(readFileSync(join(repoRoot, 'refs', 'main'), 'utf8'), commit);
  assert.deepEqual(readdirSync(join(repoRoot, 'blobs')).filter((name) => name.includes('.')), [], 'no .incomplete file is left');
  assert.deepEqual(readdirSync(join(cacheDir, '.locks', 'models--test-org--tiny-bert')), [], 'no lock is left');
  // The token was not set, so none was sent; the weights came from the CDN host.
  assert.ok(hub.requests.some((r) => r.server === 'cdn' && r.path.startsWith(`/blobs/${hub.fileInfo(ID, 'onnx/model_quantized.onnx').sha256}`)));
});

test('a cached model costs one API call; a cached commit costs none', async () => {
  const cacheDir = await tempDir('hub-cached');
  await resolveModelDir(ID, { cacheDir, endpoint: hub.endpoint });
  let before = hub.requests.length;
  const dir = await resolveModelDir(ID, { cacheDir, endpoint: hub.endpoint });
  assert.deepEqual(
    hub.requests.slice(before).map((r) => `${r.method} ${r.path}`),
    [`GET /api/models/${ID}/revision/main`],
  );
  before = hub.requests.length;
  assert.equal(await resolveModelDir(`${ID}@${hub.commitOf(ID)}`, { cacheDir, endpoint: hub.endpoint }), dir);
  assert.equal(hub.requests.length, before);
});

test('CrossEncoder.load by id ranks exactly as the local directory does', async () => {
  const cacheDir = await tempDir('hub-rerank');
  const documents = ['ImageMagick converts and resizes images.', 'A tiny text editor.', 'Berlin has 3.7 million inhabitants.'];
  const local = await CrossEncoder.load(localDir, { threads: 1 });
  const byId = await CrossEncoder.load(ID, { cacheDir, endpoint: hub.endpoint, threads: 1, quiet: true });
  try {
    assert.equal(byId.info.variant, 'quantized');
    assert.equal(byId.info.modelDir, join(cacheDir, 'models--test-org--tiny-bert', 'snapshots', hub.commitOf(ID)));
    assert.deepEqual(await byId.rerank('convert images', documents), await local.rerank('convert images', documents));
  } finally {
    await local.close();
    await byId.close();
  }
});

test('variants and revisions: fp32 weights, a tag, org/name@revision', async () => {
  const cacheDir = await tempDir('hub-variants');
  const dir = await resolveModelDir(`${ID}@v1`, { cacheDir, endpoint: hub.endpoint, variant: 'fp32' });
  assert.ok(existsSync(join(dir, 'onnx', 'model.onnx')));
  assert.ok(!existsSync(join(dir, 'onnx', 'model_quantized.onnx')));
  const repoRoot = join(cacheDir, 'models--test-org--tiny-bert');
  assert.equal(readFileSync(join(repoRoot, 'refs', 'v1'), 'utf8'), hub.commitOf(ID));
  assert.ok(!existsSync(join(repoRoot, 'refs', 'main')));
  // The same revision given twice in two ways is fine; two different ones are not.
  assert.equal(await resolveModelDir(`${ID}@v1`, { cacheDir, endpoint: hub.endpoint, variant: 'fp32', revision: 'v1' }), dir);
  await assert.rejects(resolveModelDir(`${ID}@v1`, { cacheDir, endpoint: hub.endpoint, revision: 'main' }), /asked at two revisions/);
  await rejectsWith(resolveModelDir(ID, { cacheDir, endpoint: hub.endpoint, variant: 'fp16' }), 'unsupported', /has no fp16 ONNX weights .*its ONNX files: onnx\/model\.onnx, onnx\/model_quantized\.onnx/);
});

test('the token goes to the hub, never to the CDN host', async () => {
  const cacheDir = await tempDir('hub-token');
  const before = hub.requests.length;
  const dir = await resolveModelDir(PRIVATE_ID, { cacheDir, endpoint: hub.endpoint, token: TOKEN });
  assert.ok(existsSync(join(dir, 'onnx', 'model_quantized.onnx')));
  const sent = hub.requests.slice(before);
  const toHub = sent.filter((r) => r.server === 'hub');
  const toCdn = sent.filter((r) => r.server === 'cdn');
  assert.ok(toHub.length >= 6 && toCdn.length >= 1, `hub ${toHub.length}, cdn ${toCdn.length}`);
  for (const request of toHub) assert.equal(request.headers.authorization, `Bearer ${TOKEN}`, request.path);
  for (const request of toCdn) assert.equal(request.headers.authorization, undefined, request.path);

  // HF_TOKEN is read as huggingface_hub reads it.
  const envCache = await tempDir('hub-token-env');
  await withEnv({ HF_TOKEN: TOKEN }, () => resolveModelDir(PRIVATE_ID, { cacheDir: envCache, endpoint: hub.endpoint }));
});

test('hub errors are one actionable line: 401, 403, 404, unknown revision, no ONNX weights', async () => {
  const cacheDir = await tempDir('hub-errors');
  const options = { cacheDir, endpoint: hub.endpoint };
  await rejectsWith(resolveModelDir(PRIVATE_ID, options), 'unauthorized', /test-org\/private-bert was not found or needs a token \(401\).*HF_TOKEN/);
  await rejectsWith(resolveModelDir(PRIVATE_ID, { ...options, token: 'hf_wrong' }), 'unauthorized', /refused the token in HF_TOKEN/);
  await rejectsWith(resolveModelDir(GATED_ID, options), 'forbidden', /needs a Hugging Face token \(401, it is gated\).*set HF_TOKEN/);
  await rejectsWith(resolveModelDir(GATED_ID, { ...options, token: 'hf_other' }), 'forbidden', /the token in HF_TOKEN has no access \(403, it is gated\)/);
  await rejectsWith(resolveModelDir('test-org/no-such-model', { ...options, token: TOKEN }), 'not-found', /test-org\/no-such-model is not a model on http:\/\/127\.0\.0\.1:\d+ \(404\)/);
  await rejectsWith(resolveModelDir(ID, { ...options, revision: 'no-such-branch' }), 'revision-not-found', /revision "no-such-branch" does not exist in test-org\/tiny-bert/);
  await rejectsWith(
    resolveModelDir(NO_ONNX_ID, options),
    'unsupported',
    /test-org\/pytorch-only has no ONNX weights \(its files: .*model\.safetensors.*\): crossrank needs an ONNX export/,
  );
  await assert.rejects(resolveModelDir('test-org/x@../../etc', options), /revision "\.\.\/\.\.\/etc" .* is not a branch, tag or commit sha/);
  assert.deepEqual(readdirSync(cacheDir), [], 'failed resolutions leave the cache empty');
});

test('offline (HF_HUB_OFFLINE=1 or localFilesOnly): the cache only, never the network', async () => {
  const cacheDir = await tempDir('hub-offline');
  const online = await resolveModelDir(ID, { cacheDir, endpoint: hub.endpoint });
  const before = hub.requests.length;
  await withEnv({ HF_HUB_OFFLINE: '1' }, async () => {
    assert.equal(await resolveModelDir(ID, { cacheDir, endpoint: hub.endpoint }), online);
    await rejectsWith(resolveModelDir(ID, { cacheDir: await tempDir('hub-offline-empty'), endpoint: hub.endpoint }), 'not-cached', /test-org\/tiny-bert is not in the cache .*HF_HUB_OFFLINE is set/);
    await rejectsWith(resolveModelDir(ID, { cacheDir, endpoint: hub.endpoint, variant: 'fp32' }), 'not-cached', /the cached snapshot \w{12} of test-org\/tiny-bert has no fp32 ONNX weights/);
  });
  assert.equal(await resolveModelDir(ID, { cacheDir, endpoint: hub.endpoint, localFilesOnly: true }), online);
  await rejectsWith(resolveModelDir(`${ID}@v1`, { cacheDir, endpoint: hub.endpoint, localFilesOnly: true }), 'not-cached', /test-org\/tiny-bert@v1 is not in the cache.*localFilesOnly/);
  assert.equal(hub.requests.length, before, 'no request was made');
});

test('an unreachable or failing hub falls back to the cache, and says so when the cache lacks the model', async () => {
  const cacheDir = await tempDir('hub-unreachable');
  const online = await resolveModelDir(ID, { cacheDir, endpoint: hub.endpoint });
  const unreachable = await closedPortEndpoint();
  assert.equal(await resolveModelDir(ID, { cacheDir, endpoint: unreachable }), online);
  await rejectsWith(
    resolveModelDir(ID, { cacheDir: await tempDir('hub-unreachable-empty'), endpoint: unreachable }),
    'network',
    /^no network: cannot reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\) for test-org\/tiny-bert; .*local model directory.*HF_HUB_OFFLINE=1/,
  );

  hub.faults.status = 503;
  try {
    assert.equal(await resolveModelDir(ID, { cacheDir, endpoint: hub.endpoint }), online);
    await rejectsWith(resolveModelDir(ID, { cacheDir: await tempDir('hub-503-empty'), endpoint: hub.endpoint }), 'server', /answered 503 Service Unavailable for test-org\/tiny-bert/);
  } finally {
    delete hub.faults.status;
  }
});
