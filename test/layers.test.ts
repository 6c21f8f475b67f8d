/**
 * The layer rules of src/, checked over the import graph so the layout cannot drift (README:
 * Layout, docs/architecture.md). Data flows one way: cli/server -> pipeline/eval -> retrieve ->
 * rerank/embed -> inference -> hub/model/tokenize. errors.ts is shared by all.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from './support/paths.js';

const SRC = join(repoRoot, 'src');

/** What each part of src/ may import (besides itself and errors.ts). */
const ALLOWED: Record<string, readonly string[]> = {
  tokenize: [],
  model: [],
  hub: ['model'],
  inference: ['hub', 'model', 'tokenize'],
  rerank: ['inference', 'hub', 'model', 'tokenize'],
  embed: ['inference', 'hub', 'model', 'tokenize'],
  retrieve: ['embed', 'tokenize'],
  pipeline: ['retrieve', 'rerank', 'embed', 'model'],
  eval: ['pipeline', 'retrieve'],
  // The transports use the engine's public surface only: never tokenize/, model/ or inference/.
  server: ['rerank', 'hub'],
  cli: ['server', 'eval', 'pipeline', 'retrieve', 'rerank', 'embed', 'hub'],
  // adapters to other libraries' reranker interfaces sit on the CrossEncoder
  adapters: ['rerank'],
  // the package's entry points: src/index.ts
  '.': ['rerank', 'embed', 'retrieve', 'pipeline', 'eval', 'hub', 'model', 'tokenize', 'adapters'],
};

/** Leaf modules at the top of src/ that every layer may import: the domain errors, the optional-package loader. */
const SHARED = new Set(['errors.js', 'optionalPackages.js']);

/** Parts of src/ that may speak HTTP; the rest of the engine knows nothing of it. */
const HTTP_PARTS = new Set(['server', 'cli', 'hub']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** The part of src/ a file belongs to: its first folder, or `.` for files directly in src/. */
function partOf(file: string): string {
  const parts = relative(SRC, file).split(sep);
  return parts.length === 1 ? '.' : parts[0];
}

/** Relative imports of a file (static, re-exports and dynamic), resolved to files under src/. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)'(\.{1,2}\/[^']+)'/g)].map((m) => m[1]);
  return specifiers.map((specifier) => normalize(join(dirname(file), specifier)));
}

const files = sourceFiles(SRC);

test('the layer check sees the whole source tree', () => {
  assert.ok(files.length > 80, `only ${files.length} files`);
  for (const file of files) assert.ok(partOf(file) in ALLOWED, `${relative(repoRoot, file)}: ${partOf(file)}/ has no layer rule; add it to ALLOWED`);
});

test('each part of src/ imports only the layers below it; server/ and cli/ nothing of tokenize/, model/ or inference/', () => {
  const violations: string[] = [];
  for (const file of files) {
    const from = partOf(file);
    for (const target of importsOf(file)) {
      if (!target.startsWith(SRC)) continue; // scripts/, package.json: not a layer
      const to = partOf(target);
      if (to === from || SHARED.has(relative(SRC, target))) continue;
      if (!ALLOWED[from]?.includes(to)) violations.push(`${relative(repoRoot, file)} imports ${relative(repoRoot, target)} (${from}/ -> ${to}/)`);
    }
  }
  assert.deepEqual(violations, []);
});

test('the engine knows nothing of HTTP: no fastify, no status codes outside server/, cli/ and the hub client', () => {
  const violations = files
    .filter((file) => !HTTP_PARTS.has(partOf(file)))
    .filter((file) => /from 'fastify'|\bstatusCode\b|\bHttpError\b/.test(readFileSync(file, 'utf8')))
    .map((file) => relative(repoRoot, file));
  assert.deepEqual(violations, []);
});
