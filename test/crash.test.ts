import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { Index } from '../src/retrieve/searchIndex.js';
import { repoRoot } from './support/paths.js';

const work = mkdtempSync(join(tmpdir(), 'crossrank-crash-'));
after(() => rmSync(work, { recursive: true, force: true }));

const BATCH = 500;
const DOCUMENTS = 20_000;

/** Starts the indexer, kills it (SIGKILL: no cleanup runs) once `killAfter` documents are reported committed. */
function indexAndKill(path: string, killAfter: number): Promise<{ reported: number; finished: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'test/support/crashIndexer.ts'), path, String(DOCUMENTS), String(BATCH)], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let reported = 0;
    let finished = false;
    let buffered = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const match = /^committed (\d+)$/.exec(line);
        if (match) reported = Number(match[1]);
        if (line === 'finished') finished = true;
        if (reported >= killAfter && child.exitCode === null) child.kill('SIGKILL');
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal !== 'SIGKILL' && !finished) reject(new Error(`indexer exited with ${code}: ${stderr}`));
      else resolve({ reported, finished });
    });
  });
}

test('killing the indexer mid-index loses no committed batch and leaves a sound index', async () => {
  const path = join(work, 'crash.sqlite');
  const { reported, finished } = await indexAndKill(path, 3 * BATCH);
  assert.equal(finished, false, 'the indexer finished before it could be killed: the test proved nothing');

  const db = new Database(path);
  try {
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    // FTS5 checks its own index structures too.
    db.prepare(`INSERT INTO doc_terms (doc_terms) VALUES ('integrity-check')`).run();
    const count = db.prepare('SELECT count(*) FROM documents').pluck().get() as number;
    // Everything reported committed is there; a batch is there whole or not at all.
    assert.ok(count >= reported, `${count} documents, ${reported} were committed`);
    assert.equal(count % BATCH, 0, `${count} documents: a partial batch survived`);
    const ids = db.prepare('SELECT id FROM documents ORDER BY rowid').pluck().all() as string[];
    assert.deepEqual(ids, Array.from({ length: count }, (_, i) => `doc${i}`));
  } finally {
    db.close();
  }

  // The index opens and works after the crash: search finds committed documents, indexing resumes.
  const index = await Index.open(path, { create: false });
  try {
    const before = await index.count();
    const hits = await index.firstStage('alpha0 beta1', 'bm25', 5);
    assert.equal(hits.length, 5);
    await index.add([{ id: 'after-crash', text: 'written after the crash' }]);
    assert.equal(await index.count(), before + 1);
    assert.deepEqual((await index.firstStage('crash', 'bm25', 5)).map((h) => h.id), ['after-crash']);
  } finally {
    await index.close();
  }
});
