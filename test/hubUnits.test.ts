import assert from 'node:assert/strict';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { InputError } from '../src/errors.js';
import { selectModelFiles } from '../src/hub/fileSelection.js';
import { defaultCacheDir, hubSettings, parseHubId, resolveModelDir } from '../src/hub/index.js';
import { createDownloadProgress } from '../src/hub/progress.js';
import { ensureTestModel } from '../scripts/model-gen/ensureTestModel.js';
import { closedPortEndpoint } from './support/hubRepos.js';

test('hub ids: org/name with an optional @revision; paths and bare names are not ids', () => {
  assert.deepEqual(parseHubId('Xenova/ms-marco-MiniLM-L-6-v2'), { id: 'Xenova/ms-marco-MiniLM-L-6-v2' });
  assert.deepEqual(parseHubId('BAAI/bge-reranker-base@v1.0'), { id: 'BAAI/bge-reranker-base', revision: 'v1.0' });
  assert.deepEqual(parseHubId('org/name@refs/pr/1'), { id: 'org/name', revision: 'refs/pr/1' });
  for (const notAnId of ['models/../x', './models/x', '/abs/path', 'name', 'a/b/c', 'org/-bad', 'org/bad-', 'org/na--me', 'org/na..me', 'org/name with space', '']) {
    assert.equal(parseHubId(notAnId), undefined, notAnId);
  }
  assert.throws(() => parseHubId('org/name@../../x'), InputError);
  assert.throws(() => parseHubId('org/name@'), InputError);
});

test('the cache folder follows huggingface_hub: HF_HUB_CACHE, else HF_HOME/hub, else XDG_CACHE_HOME or ~/.cache', () => {
  assert.equal(defaultCacheDir({ HF_HUB_CACHE: '/c', HF_HOME: '/h' }), '/c');
  assert.equal(defaultCacheDir({ HUGGINGFACE_HUB_CACHE: '/legacy' }), '/legacy');
  assert.equal(defaultCacheDir({ HF_HOME: '/h' }), join('/h', 'hub'));
  assert.equal(defaultCacheDir({ XDG_CACHE_HOME: '/x' }), join('/x', 'huggingface', 'hub'));
  assert.equal(defaultCacheDir({}), join(homedir(), '.cache', 'huggingface', 'hub'));
  assert.equal(defaultCacheDir({ HF_HUB_CACHE: '~/models' }), join(homedir(), 'models'));
});

test('settings: endpoint, token, offline, progress and timeouts from options and the environment', () => {
  const base = hubSettings({}, {});
  assert.equal(base.endpoint, 'https://huggingface.co');
  assert.equal(base.token, undefined);
  assert.equal(base.offlineBecause, undefined);
  assert.equal(base.metadataTimeoutMs, 10_000);

  assert.equal(hubSettings({}, { HF_ENDPOINT: 'https://hf-mirror.example/' }).endpoint, 'https://hf-mirror.example');
  assert.equal(hubSettings({ endpoint: 'http://127.0.0.1:1' }, { HF_ENDPOINT: 'https://other' }).endpoint, 'http://127.0.0.1:1');
  assert.throws(() => hubSettings({}, { HF_ENDPOINT: 'ftp://x' }), /hub endpoint "ftp:\/\/x" is not an http\(s\) URL/);

  assert.equal(hubSettings({}, { HUGGING_FACE_HUB_TOKEN: 'old' }).token, 'old');
  assert.equal(hubSettings({}, { HF_TOKEN: 'new', HUGGING_FACE_HUB_TOKEN: 'old' }).token, 'new');
  assert.equal(hubSettings({ token: 'option' }, { HF_TOKEN: 'new' }).token, 'option');

  for (const value of ['1', 'true', 'YES', 'on']) assert.equal(hubSettings({}, { HF_HUB_OFFLINE: value }).offlineBecause, 'HF_HUB_OFFLINE', value);
  assert.equal(hubSettings({}, { HF_HUB_OFFLINE: '0' }).offlineBecause, undefined);
  assert.equal(hubSettings({ localFilesOnly: true }, {}).offlineBecause, 'localFilesOnly');

  assert.equal(hubSettings({}, { HF_HUB_DISABLE_PROGRESS_BARS: '1' }).quiet, true);
  assert.equal(hubSettings({}, { HF_HUB_DOWNLOAD_TIMEOUT: '2.5' }).downloadStallTimeoutMs, 2500);
  assert.throws(() => hubSettings({}, { HF_HUB_ETAG_TIMEOUT: 'soon' }), /HF_HUB_ETAG_TIMEOUT must be a positive number of seconds/);
});

test('file selection: one weights file per variant with its external data, config and tokenizer files', () => {
  const repo = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'vocab.txt', 'onnx/model.onnx', 'onnx/model.onnx_data', 'onnx/model_fp16.onnx', 'onnx/model_quantized.onnx', 'model.safetensors'];
  const common = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json'];
  assert.deepEqual(selectModelFiles('o/n', repo), { files: [...common, 'onnx/model_quantized.onnx'], weights: 'onnx/model_quantized.onnx', variant: 'quantized' });
  assert.deepEqual(selectModelFiles('o/n', repo, { variant: 'fp32' }).files, [...common, 'onnx/model.onnx', 'onnx/model.onnx_data']);
  assert.deepEqual(selectModelFiles('o/n', repo, { preferFor: 'gpu' }).weights, 'onnx/model_fp16.onnx');
  assert.deepEqual(selectModelFiles('o/n', repo, { tokenizerOnly: true }), { files: common });
  // A root model.onnx (no onnx/ folder) is the fp32 fallback of the CPU default.
  assert.equal(selectModelFiles('o/n', ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'model.onnx']).weights, 'model.onnx');
  assert.throws(() => selectModelFiles('o/n', ['config.json', 'vocab.txt', 'onnx/model.onnx']), /o\/n has no tokenizer\.json, tokenizer_config\.json \(its files: config\.json, vocab\.txt, onnx\/model\.onnx\)/);
});

test('an existing directory is used as it is, without the network; a missing path that is no id is left to fail locally', async () => {
  const dir = await ensureTestModel('tiny-bert');
  const unreachable = await closedPortEndpoint();
  assert.equal(await resolveModelDir(dir, { endpoint: unreachable }), dir);
  assert.equal(await resolveModelDir('/no/such/model/dir', { endpoint: unreachable }), '/no/such/model/dir');
});

class FakeTerminal extends Writable {
  isTTY: boolean;
  columns = 120;
  text = '';
  constructor(isTTY: boolean) {
    super();
    this.isTTY = isTTY;
  }
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

test('progress: a bar per file with bytes, rate and ETA on a terminal; nothing otherwise or when quiet', () => {
  const terminal = new FakeTerminal(true);
  // A clock that advances 250 ms per reading: the rate no longer depends on Date.now() having moved.
  let clock = 0;
  const progress = createDownloadProgress({ stream: terminal, clock: () => (clock += 250) });
  const file = progress.file('onnx/model.onnx', 4_000_000, 1_000_000);
  file.update(3_000_000);
  file.done();
  progress.stop();
  assert.match(terminal.text, /onnx\/model\.onnx +\|.*\| 100% 4\.00 MB\/4\.00 MB [\d.]+ [kMG]?B\/s ETA\s+\d+s/);

  for (const [stream, quiet] of [[new FakeTerminal(false), false], [new FakeTerminal(true), true]] as const) {
    const silent = createDownloadProgress({ stream, quiet });
    const bar = silent.file('config.json', 10, 0);
    bar.update(10);
    bar.done();
    silent.note('waiting');
    silent.stop();
    assert.equal(stream.text, '');
  }
});
