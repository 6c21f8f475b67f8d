import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import * as sqliteVec from 'sqlite-vec';
import { CrossrankError, InputError, positiveIntegerOption } from '../../errors.js';
import { ftsMatchExpression } from '../bm25.js';
import {
  SCHEMA_VERSION,
  type DocumentRecord,
  type DocumentStore,
  type IndexSettings,
  type ScoredId,
  type StoredDocument,
} from './types.js';

/**
 * The embedded index: one SQLite file (better-sqlite3) in WAL mode.
 * - documents: id, title, text, metadata (JSON); its integer rowid keys the two search tables.
 * - doc_terms: an FTS5 table of the analysed terms (contentless: the text is in documents), ranked
 *   by FTS5's bm25(). Its `ascii` tokenizer splits only on the spaces between our terms, so FTS5
 *   sees exactly the terms crossrank's analyzer made.
 * - doc_vectors: a sqlite-vec vec0 table of float32 embeddings with cosine distance (exact
 *   k-nearest-neighbour scan in C; faster than a scan in JavaScript, see BENCHMARKS.md).
 * Every upsert or delete is one transaction (or a savepoint inside the one of `atomically`), and
 * SQLite's default synchronous=FULL makes a committed one durable: a crash loses at most the
 * transaction in flight.
 */
export class SqliteStore implements DocumentStore {
  readonly kind = 'sqlite' as const;

  private constructor(
    private readonly db: Database.Database,
    readonly location: string,
  ) {}

  static open(path: string, options: { create: boolean } = { create: true }): SqliteStore {
    if (!options.create && !existsSync(path)) throw new InputError(`index ${path} does not exist`);
    let db: Database.Database;
    try {
      db = new Database(path);
    } catch (error) {
      throw new InputError(`index ${path} cannot be opened: ${(error as Error).message}`, { cause: error });
    }
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      // A second process (a search while indexing) waits for a writer's lock instead of failing.
      db.pragma('busy_timeout = 5000');
      sqliteVec.load(db);
      if (!isEmptyDatabase(db) && !hasTable(db, 'crossrank_meta')) throw new InputError(`${path} is an SQLite file but not a crossrank index`);
    } catch (error) {
      db.close();
      if (error instanceof CrossrankError) throw error;
      throw new InputError(`index ${path} cannot be opened: ${(error as Error).message}`, { cause: error });
    }
    return new SqliteStore(db, path);
  }

  async settings(): Promise<IndexSettings | null> {
    if (!hasTable(this.db, 'crossrank_meta')) return null;
    const row = this.db.prepare(`SELECT value FROM crossrank_meta WHERE key = 'settings'`).get() as { value: string } | undefined;
    if (!row) return null;
    const settings = JSON.parse(row.value) as IndexSettings;
    if (settings.schema !== SCHEMA_VERSION) {
      throw new InputError(`index ${this.location} has layout version ${settings.schema}; this crossrank reads version ${SCHEMA_VERSION}: rebuild it`);
    }
    return settings;
  }

  async initialize(settings: IndexSettings): Promise<void> {
    this.db.transaction(() => {
      if (hasTable(this.db, 'crossrank_meta')) throw new InputError(`index ${this.location} already exists`);
      this.db.exec(`
        CREATE TABLE crossrank_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE documents (rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, title TEXT, text TEXT NOT NULL, metadata TEXT${settings.lateInteraction ? ', token_vectors BLOB NOT NULL' : ''});
        CREATE VIRTUAL TABLE doc_terms USING fts5(terms, content='', contentless_delete=1, tokenize='ascii');
      `);
      if (settings.embedding) {
        const dimension = settings.embedding.dimension;
        positiveIntegerOption(dimension, 'embedding dimension');
        this.db.exec(`CREATE VIRTUAL TABLE doc_vectors USING vec0(embedding float[${dimension}] distance_metric=cosine)`);
      }
      this.db.prepare(`INSERT INTO crossrank_meta (key, value) VALUES ('settings', ?)`).run(JSON.stringify(settings));
    })();
  }

  async upsert(records: readonly DocumentRecord[]): Promise<void> {
    const hasVectors = hasTable(this.db, 'doc_vectors');
    const hasTokenVectors = this.hasTokenVectors();
    const setTokenVectors = hasTokenVectors ? this.db.prepare('UPDATE documents SET token_vectors = ? WHERE rowid = ?') : null;
    const findRow = this.db.prepare('SELECT rowid FROM documents WHERE id = ?').pluck();
    const insertDocument = this.db.prepare('INSERT INTO documents (id, title, text, metadata) VALUES (?, ?, ?, ?)');
    const insertWithTokens = hasTokenVectors ? this.db.prepare('INSERT INTO documents (id, title, text, metadata, token_vectors) VALUES (?, ?, ?, ?, ?)') : insertDocument;
    const updateDocument = this.db.prepare('UPDATE documents SET title = ?, text = ?, metadata = ? WHERE rowid = ?');
    const deleteTerms = this.db.prepare('DELETE FROM doc_terms WHERE rowid = ?');
    const insertTerms = this.db.prepare('INSERT INTO doc_terms (rowid, terms) VALUES (?, ?)');
    const deleteVector = hasVectors ? this.db.prepare('DELETE FROM doc_vectors WHERE rowid = ?') : null;
    const insertVector = hasVectors ? this.db.prepare('INSERT INTO doc_vectors (rowid, embedding) VALUES (?, ?)') : null;
    const write = (): void => {
      for (const { document, terms, vector, tokenVectors } of records) {
        if (hasVectors !== (vector !== undefined)) {
          throw new InputError(`document ${document.id}: ${hasVectors ? 'the index has vectors but the document has none' : 'the index has no vectors'}`);
        }
        if (hasTokenVectors !== (tokenVectors !== undefined)) {
          throw new InputError(`document ${document.id}: ${hasTokenVectors ? 'the index has token vectors but the document has none' : 'the index has no token vectors'}`);
        }
        const tokenBlob = tokenVectors ? Buffer.from(tokenVectors.buffer, tokenVectors.byteOffset, tokenVectors.byteLength) : null;
        const metadata = document.metadata === undefined ? null : JSON.stringify(document.metadata);
        let rowid = findRow.get(document.id) as number | bigint | undefined;
        if (rowid === undefined) {
          // A NOT NULL column: the document row is written with its token vectors in the same statement.
          rowid = (hasTokenVectors ? insertWithTokens : insertDocument).run(document.id, document.title ?? null, document.text, metadata, ...(hasTokenVectors ? [tokenBlob] : [])).lastInsertRowid;
        } else {
          updateDocument.run(document.title ?? null, document.text, metadata, rowid);
          deleteTerms.run(rowid);
          deleteVector?.run(BigInt(rowid));
          setTokenVectors?.run(tokenBlob, rowid);
        }
        insertTerms.run(rowid, terms);
        if (insertVector && vector) insertVector.run(BigInt(rowid), Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength));
      }
    };
    // Inside `atomically` a failure rolls the whole run back, so no savepoint is needed (SQLite
    // would journal the pages a savepoint may have to restore).
    if (this.db.inTransaction) write();
    else this.db.transaction(write)();
  }

  async atomically<T>(work: () => Promise<T>): Promise<T> {
    if (this.db.inTransaction) throw new Error('SqliteStore.atomically does not nest');
    // Each upsert's own transaction becomes a savepoint inside this one (better-sqlite3 nests so);
    // what does not fit SQLite's page cache spills to the WAL file, not to memory.
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const result = await work();
      this.db.exec('COMMIT');
      return result;
    } catch (error) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      throw error;
    }
  }

  async ensureSearchIndexes(): Promise<void> {
    // FTS5 and vec0 are updated with every write: nothing is deferred.
  }

  async delete(ids: readonly string[]): Promise<number> {
    const hasVectors = hasTable(this.db, 'doc_vectors');
    const findRow = this.db.prepare('SELECT rowid FROM documents WHERE id = ?').pluck();
    const deleteDocument = this.db.prepare('DELETE FROM documents WHERE rowid = ?');
    const deleteTerms = this.db.prepare('DELETE FROM doc_terms WHERE rowid = ?');
    const deleteVector = hasVectors ? this.db.prepare('DELETE FROM doc_vectors WHERE rowid = ?') : null;
    return this.db.transaction(() => {
      let deleted = 0;
      for (const id of ids) {
        const rowid = findRow.get(id) as number | bigint | undefined;
        if (rowid === undefined) continue;
        deleteDocument.run(rowid);
        deleteTerms.run(rowid);
        deleteVector?.run(BigInt(rowid));
        deleted++;
      }
      return deleted;
    })();
  }

  async textSearch(terms: readonly string[], k: number): Promise<ScoredId[]> {
    const match = ftsMatchExpression(terms);
    if (match === null) return [];
    // FTS5's bm25() is negated (lower is better); ties go to the earlier-added document.
    const rows = this.db
      .prepare('SELECT rowid, bm25(doc_terms) AS rank FROM doc_terms WHERE doc_terms MATCH ? ORDER BY rank, rowid LIMIT ?')
      .all(match, k) as Array<{ rowid: number; rank: number }>;
    return this.idsOf(rows.map(({ rowid, rank }) => ({ rowid, score: -rank })));
  }

  async vectorSearch(vector: Float32Array, k: number): Promise<ScoredId[]> {
    if (!hasTable(this.db, 'doc_vectors')) throw new InputError(`index ${this.location} has no vectors: build it with an embedding model`);
    // vec0 answers at most 4096 neighbours per query, and wants its KNN query on its own (no join).
    const neighbours = this.db
      .prepare('SELECT rowid, distance FROM doc_vectors WHERE embedding MATCH ? AND k = ?')
      .all(Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength), Math.min(k, 4096)) as Array<{ rowid: number; distance: number }>;
    return this.idsOf(neighbours.map(({ rowid, distance }) => ({ rowid, score: 1 - distance })));
  }

  /** Replaces rowids by document ids, keeping the order. */
  private idsOf(rows: ReadonlyArray<{ rowid: number; score: number }>): ScoredId[] {
    const ids = new Map(
      (this.db.prepare('SELECT rowid, id FROM documents WHERE rowid IN (SELECT value FROM json_each(?))').all(JSON.stringify(rows.map((r) => r.rowid))) as Array<{
        rowid: number;
        id: string;
      }>).map((row) => [row.rowid, row.id]),
    );
    return rows.flatMap(({ rowid, score }) => {
      const id = ids.get(rowid);
      return id === undefined ? [] : [{ id, score }];
    });
  }

  async tokenVectors(ids: readonly string[]): Promise<Map<string, Uint8Array>> {
    if (!this.hasTokenVectors()) throw new InputError(`index ${this.location} has no token vectors: build it with a late-interaction model`);
    const rows = this.db.prepare('SELECT id, token_vectors FROM documents WHERE id IN (SELECT value FROM json_each(?))').all(JSON.stringify(ids)) as Array<{ id: string; token_vectors: Buffer }>;
    return new Map(rows.map((row) => [row.id, new Uint8Array(row.token_vectors.buffer, row.token_vectors.byteOffset, row.token_vectors.byteLength)]));
  }

  async *scanTokenVectors(): AsyncIterable<[string, Uint8Array]> {
    if (!this.hasTokenVectors()) throw new InputError(`index ${this.location} has no token vectors: build it with a late-interaction model`);
    for (const row of this.db.prepare('SELECT id, token_vectors FROM documents ORDER BY rowid').iterate() as IterableIterator<{ id: string; token_vectors: Buffer }>) {
      yield [row.id, new Uint8Array(row.token_vectors.buffer, row.token_vectors.byteOffset, row.token_vectors.byteLength)];
    }
  }

  private hasTokenVectors(): boolean {
    return (this.db.prepare(`SELECT count(*) FROM pragma_table_info('documents') WHERE name = 'token_vectors'`).pluck().get() as number) > 0;
  }

  async get(ids: readonly string[]): Promise<Map<string, StoredDocument>> {
    const rows = this.db
      .prepare('SELECT id, title, text, metadata FROM documents WHERE id IN (SELECT value FROM json_each(?))')
      .all(JSON.stringify(ids)) as Array<{ id: string; title: string | null; text: string; metadata: string | null }>;
    return new Map(
      rows.map((row) => [
        row.id,
        {
          id: row.id,
          text: row.text,
          ...(row.title === null ? {} : { title: row.title }),
          ...(row.metadata === null ? {} : { metadata: JSON.parse(row.metadata) as Record<string, unknown> }),
        },
      ]),
    );
  }

  async count(): Promise<number> {
    if (!hasTable(this.db, 'documents')) return 0;
    return this.db.prepare('SELECT count(*) FROM documents').pluck().get() as number;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

function hasTable(db: Database.Database, name: string): boolean {
  return db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(name) !== undefined;
}

function isEmptyDatabase(db: Database.Database): boolean {
  return db.prepare('SELECT count(*) FROM sqlite_master').pluck().get() === 0;
}
