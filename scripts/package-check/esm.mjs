// Runs in a scratch project that installed the packed tarball: the ESM entry point, the starter
// model shipped in the package, and a real ranking on ONNX Runtime.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CrossEncoder, Index } from 'crossrank';

const ce = await CrossEncoder.load();
try {
  assert.match(ce.info.modelDir, /crossrank-starter-en/, 'load() with no name loads the starter model shipped in the package');
  const ranked = await ce.rerank('command line tool to convert images', [
    'nginx is a small, powerful, scalable web and proxy server.',
    'ImageMagick is a software suite to create, edit, and compose bitmap images.',
  ]);
  assert.equal(ranked[0].index, 1, `ImageMagick should rank first, got ${JSON.stringify(ranked)}`);
  console.log('esm: ok', ranked.map((r) => `${r.index}:${r.score.toFixed(4)}`).join(' '));
} finally {
  await ce.close();
}

// better-sqlite3 and sqlite-vec are optional peers: without them, opening an index names them.
await assert.rejects(
  Index.open(join(mkdtempSync(join(tmpdir(), 'crossrank-check-')), 'index.sqlite')),
  { name: 'MissingPackageError', message: /npm install better-sqlite3 sqlite-vec/ },
);
console.log('esm: an SQLite index without better-sqlite3 names it');
