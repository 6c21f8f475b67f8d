import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import * as crossrank from '../src/index.js';
import { repoRoot } from './support/paths.js';

/** Names src/index.ts exports, values and types, read from its export lists. */
function exportedNames(): string[] {
  const text = readFileSync(join(repoRoot, 'src/index.ts'), 'utf8');
  return [...text.matchAll(/export (?:type )?\{([^}]*)\}/g)].flatMap((m) =>
    m[1]
      .split(',')
      .map((part) => part.trim().replace(/^type /, ''))
      .filter((name) => name !== ''),
  );
}

test("every name the package exports is listed in the README's Library section", () => {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const library = readme.slice(readme.indexOf('## Library'), readme.indexOf('## Command line'));
  const names = exportedNames();
  assert.ok(names.length > 20);
  assert.deepEqual(names.filter((name) => !library.includes(`\`${name}\``)), []);
});

test('the package root exports what users call, not what only tests and benchmarks need', () => {
  const values = Object.keys(crossrank).sort();
  assert.deepEqual(values, exportedNames().filter((name) => name in crossrank).sort());
  for (const internal of ['PairEncoder', 'pairScores', 'locateModelFiles', 'formatTrecRun', 'readQrels', 'readQueries', 'STARTER_MODEL_DIR', 'ModelRunner', 'WorkQueue']) {
    assert.ok(!(internal in crossrank), `${internal} is exported`);
  }
  assert.ok(values.length <= 25, `${values.length} values: ${values.join(', ')}`);
});
