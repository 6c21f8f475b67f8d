import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ensureTestModel } from '../scripts/model-gen/ensureTestModel.js';
import { CrossEncoder } from '../src/index.js';
import { startFakeHub, type FakeHub } from './support/fakeHub.js';
import { HUB_ENV_VARS, clearHubEnv, tempDir, tinyBertRepoFiles } from './support/hubRepos.js';
import { assertOneLineError, runCli, type CliRun } from './support/runCli.js';
import { RustTokenizer } from './support/rustTokenizer.js';

const ID = 'test-org/tiny-bert';
const documents = ['ImageMagick converts and resizes images.', 'A tiny text editor.', 'Berlin has 3.7 million inhabitants.'];

let hub: FakeHub;
let localDir = '';
let work = '';

before(async () => {
  clearHubEnv();
  localDir = await ensureTestModel('tiny-bert');
  hub = await startFakeHub([{ id: ID, files: await tinyBertRepoFiles() }]);
  work = await tempDir('hub-cli');
  writeFileSync(join(work, 'docs.txt'), `${documents.join('\n')}\n`);
});

after(() => hub.close());

/** `crossrank ...` from source, with the hub variables of `env` only (none of the machine's). */
function crossrank(args: string[], env: Record<string, string>): Promise<CliRun> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const name of HUB_ENV_VARS) delete childEnv[name];
  return runCli(args, { env: { ...childEnv, ...env } });
}

test('the CLI takes hub ids: rerank, download, tokenize; hub errors are one line', async () => {
  const [rerankCache, downloadCache, tokenizeCache] = await Promise.all([tempDir('cli-rerank'), tempDir('cli-download'), tempDir('cli-tokenize')]);
  const query = 'How many people live in Berlin?';
  const [rerank, download, tokenize, unknown] = await Promise.all([
    crossrank(['rerank', '--model', ID, '--query', 'convert images', '--docs', join(work, 'docs.txt'), '--json', '--threads', '1'], { HF_ENDPOINT: hub.endpoint, HF_HUB_CACHE: rerankCache }),
    crossrank(['download', ID, '--variant', 'fp32', '--cache-dir', downloadCache], { HF_ENDPOINT: hub.endpoint }),
    crossrank(['tokenize', '--model', `${ID}@main`, '--query', query, '--doc', documents[2], '--max-length', '16'], { HF_ENDPOINT: hub.endpoint, HF_HOME: tokenizeCache }),
    crossrank(['download', 'test-org/no-such-model'], { HF_ENDPOINT: hub.endpoint, HF_HUB_CACHE: tokenizeCache }),
  ]);

  assert.equal(rerank.code, 0, rerank.stderr);
  assert.equal(rerank.stderr, '', 'no progress bars when stderr is not a terminal');
  const local = await CrossEncoder.load(localDir, { threads: 1 });
  try {
    assert.deepEqual(JSON.parse(rerank.stdout), await local.rerank('convert images', documents, { returnDocuments: true }));
  } finally {
    await local.close();
  }

  assert.equal(download.code, 0, download.stderr);
  const snapshot = join(downloadCache, 'models--test-org--tiny-bert', 'snapshots', hub.commitOf(ID));
  assert.equal(download.stdout, `${snapshot}\n`);
  assert.ok(existsSync(join(snapshot, 'onnx', 'model.onnx')));

  // HF_HOME/hub is the cache when HF_HUB_CACHE is unset; tokenize fetches no weights.
  assert.equal(tokenize.code, 0, tokenize.stderr);
  const expected = await RustTokenizer.fromFile(join(localDir, 'tokenizer.json')).encodePair(query, documents[2], 16, 'longest_first');
  assert.ok(!(expected instanceof Error));
  assert.deepEqual((JSON.parse(tokenize.stdout) as { input_ids: number[] }).input_ids, expected.inputIds);
  const tokenizeSnapshot = join(tokenizeCache, 'hub', 'models--test-org--tiny-bert', 'snapshots', hub.commitOf(ID));
  assert.ok(existsSync(join(tokenizeSnapshot, 'tokenizer.json')));
  assert.ok(!existsSync(join(tokenizeSnapshot, 'onnx')));

  assertOneLineError(unknown, /^crossrank: test-org\/no-such-model was not found or needs a token \(401\): .*HF_TOKEN/);

  // `crossrank models` lists what was downloaded, here by rerank.
  const models = await crossrank(['models'], { HF_HUB_CACHE: rerankCache });
  assert.equal(models.code, 0, models.stderr);
  const lines = models.stdout.trim().split('\n');
  assert.match(lines[0], /^model\s+size\s+revisions$/);
  assert.match(lines[1], new RegExp(`^test-org/tiny-bert\\s+4\\.\\d\\d MB\\s+main → ${hub.commitOf(ID).slice(0, 12)}$`));
  assert.match(lines[2], new RegExp(`^1 model, 4\\.\\d\\d MB in ${rerankCache}$`));
});
