import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tmpdir } from 'node:os';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { CrossEncoder, Index, ModelFormatError, Pipeline, readCorpus, STARTER_MODEL_ID } from '../src/index.js';
import { STARTER_MODEL_DIR } from '../src/model/index.js';
import { recommendedFirstStageWeight } from '../src/rerank/recommendedWeight.js';
import { buildApp } from '../src/server/app.js';
import { repoRoot } from './support/paths.js';
import { runCli } from './support/runCli.js';

// The starter model that ships in the repository: these tests run it as users get it, with no
// --model, no network and nothing generated first.

const examples = join(repoRoot, 'assets/examples/docs.jsonl');
const exampleTexts = readFileSync(examples, 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => (JSON.parse(line) as { id: string; text: string }).text);

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)]));
}

test('the starter model is in the repository, in the Hugging Face layout, under 25 MB, with a model card', () => {
  const files = filesUnder(STARTER_MODEL_DIR).map((file) => file.slice(STARTER_MODEL_DIR.length));
  for (const file of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx', 'README.md']) {
    assert.ok(files.includes(file), `${file} is missing from ${STARTER_MODEL_DIR}`);
  }
  const bytes = filesUnder(STARTER_MODEL_DIR).reduce((sum, file) => sum + statSync(file).size, 0);
  assert.ok(bytes < 25 * 1024 * 1024, `${bytes} bytes`);
  const card = readFileSync(join(STARTER_MODEL_DIR, 'README.md'), 'utf8');
  for (const heading of ['Training data', 'Training', 'Evaluation', 'License']) assert.match(card, new RegExp(`^## ${heading}`, 'm'));
});

test('CrossEncoder.load() with no model loads the starter, and it ranks the obvious document first', async () => {
  {
    const encoder = await CrossEncoder.load(undefined, { threads: 1 });
    const variant = encoder.info.variant;
    try {
      assert.equal(encoder.info.modelDir, STARTER_MODEL_DIR);
      assert.equal(variant, 'fp32', 'fp32 is all it ships (see training/export_onnx.ts)');
      // 512 tokens per pair: the exact-match channel reads them all, the encoder its first 128 (the
      // positions it was trained on; the window is in the graph, test/modelgen.test.ts)
      assert.equal(encoder.info.maxLength, 512);
      const config = JSON.parse(readFileSync(join(STARTER_MODEL_DIR, 'config.json'), 'utf8')) as { crossrank: Record<string, unknown> };
      assert.deepEqual(config.crossrank, { first_stage_weight: 0.5, lexical_match_channel: true, encoder_window: 128 });
      const ranked = await encoder.rerank('command line tool to convert images', exampleTexts);
      assert.match(exampleTexts[ranked[0].index], /^ImageMagick/, `${variant}: ${JSON.stringify(ranked)}`);
      const database = await encoder.rerank('relational database server', exampleTexts);
      assert.match(exampleTexts[database[0].index], /^PostgreSQL/, `${variant}: ${JSON.stringify(database)}`);
    } finally {
      await encoder.close();
    }
  }
});

test('the CLI reranks and tokenizes with the starter when --model is left out', async () => {
  const run = await runCli(['rerank', '--query', 'command line tool to convert images', '--docs', examples, '--json', '--threads', '1'], {
    env: { ...process.env, HF_HUB_OFFLINE: '1', HF_ENDPOINT: 'http://127.0.0.1:9' },
  });
  assert.equal(run.code, 0, run.stderr);
  const results = JSON.parse(run.stdout) as Array<{ index: number; document: { id: string } }>;
  assert.equal(results[0].document.id, 'imagemagick');

  const tokens = await runCli(['tokenize', '--query', 'Convert images', '--doc', 'ImageMagick']);
  assert.equal(tokens.code, 0, tokens.stderr);
  assert.deepEqual((JSON.parse(tokens.stdout) as { tokens: string[] }).tokens, ['[CLS]', 'convert', 'images', '[SEP]', 'image', '##ma', '##gic', '##k', '[SEP]']);
});

test(`the server serves the starter when no model is given, and names it ${STARTER_MODEL_ID}`, async () => {
  const app = await buildApp({ engine: { threads: 1 } });
  try {
    await app.listen({ host: '127.0.0.1', port: 0 });
    await app.crossrank.ready;
    const address = app.server.address();
    assert.ok(address !== null && typeof address === 'object');
    const url = `http://127.0.0.1:${address.port}`;
    const info = (await (await fetch(`${url}/info`)).json()) as { model_id: string };
    assert.equal(info.model_id, STARTER_MODEL_ID);
    const response = await fetch(`${url}/rerank`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'relational database server', texts: exampleTexts }),
    });
    assert.equal(response.status, 200);
    const ranked = (await response.json()) as Array<{ index: number; score: number }>;
    assert.match(exampleTexts[ranked[0].index], /^PostgreSQL/);
  } finally {
    await app.close();
  }
});

test('search with the starter mixes in BM25 at the weight its config recommends, unless told otherwise', async () => {
  const work = mkdtempSync(join(tmpdir(), 'crossrank-starter-'));
  const index = await Index.open(join(work, 'index.sqlite'));
  const reranker = await CrossEncoder.load(STARTER_MODEL_ID, { threads: 1 });
  try {
    await index.addAll(readCorpus(join(repoRoot, 'assets/examples/beir-mini/corpus.jsonl')));
    const pipeline = new Pipeline(index, reranker);
    assert.equal(pipeline.recommendedWeight, 0.5);
    const query = 'terminal text editor for beginners';
    const options = { firstStage: 'bm25' as const, candidates: 20, topN: 20 };
    const byDefault = await pipeline.search(query, options);
    assert.deepEqual(byDefault, await pipeline.search(query, { ...options, firstStageWeight: 0.5 }));
    const alone = await pipeline.search(query, { ...options, firstStageWeight: 0 });
    assert.notDeepEqual(byDefault.map((h) => h.id), alone.map((h) => h.id), 'the mix changed nothing: the test could not tell');
  } finally {
    await reranker.close();
    await index.close();
    rmSync(work, { recursive: true, force: true });
  }
  const badDir = mkdtempSync(join(tmpdir(), 'crossrank-weight-'));
  try {
    writeFileSync(join(badDir, 'config.json'), JSON.stringify({ crossrank: { first_stage_weight: -1 } }));
    assert.throws(() => recommendedFirstStageWeight(badDir), (e: Error) => e instanceof ModelFormatError && /crossrank\.first_stage_weight must be a number >= 0/.test(e.message));
  } finally {
    rmSync(badDir, { recursive: true, force: true });
  }
});
