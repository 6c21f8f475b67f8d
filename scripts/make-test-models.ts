/**
 * Generates the deterministic test models (see scripts/model-gen/testModels.ts).
 *
 *   npx tsx scripts/make-test-models.ts [--out models] [--only tiny-bert,minilm-l6-bench]
 *
 * Without --only it writes every model except the on-demand ones (bge-reranker-base-bench, 1.1 GB).
 *
 * Same code, same bytes: rerunning writes byte-identical files.
 */
import { resolve, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { TEST_MODELS, isTestModelName, type TestModelName } from './model-gen/testModels.js';
import { writeModelDir } from './model-gen/writeModelDir.js';
import { formatBytes } from '../src/hub/progress.js';

export { ensureTestModel, DEFAULT_CACHE_ROOT } from './model-gen/ensureTestModel.js';
export { TEST_MODELS, type TestModelName } from './model-gen/testModels.js';


async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { out: { type: 'string', default: 'models' }, only: { type: 'string' } },
    strict: true,
  });
  const outRoot = resolve(values.out ?? 'models');
  const byDefault = Object.entries(TEST_MODELS).filter(([, def]) => !('onDemand' in def && def.onDemand)).map(([name]) => name);
  const requested = values.only ? values.only.split(',').map((s) => s.trim()).filter(Boolean) : byDefault;
  const unknown = requested.filter((n) => !isTestModelName(n));
  if (unknown.length > 0) {
    throw new Error(`unknown model(s): ${unknown.join(', ')}; known: ${Object.keys(TEST_MODELS).join(', ')}`);
  }

  for (const name of requested as TestModelName[]) {
    const dir = join(outRoot, name);
    const started = Date.now();
    const files = await writeModelDir(dir, name);
    console.log(`${dir} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    for (const file of files) console.log(`  ${file.path.padEnd(28)} ${formatBytes(file.bytes).padStart(10)}`);
  }
}

// Only run when executed, so tests can import ensureTestModel from here.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
