import pg from 'pg';
import { CrossrankError, InputError } from '../../errors.js';
import { tsqueryLiteral, tsvectorLiteral, vectorLiteral } from './pgLiterals.js';
import {
  SCHEMA_VERSION,
  type DocumentRecord,
  type DocumentStore,
  type IndexSettings,
  type ScoredId,
  type StoredDocument,
} from './types.js';

/**
 * The index in PostgreSQL with pgvector, for a corpus or a load that outgrows one process. One
 * table holds each document with its terms as a tsvector (GIN index) and its embedding as
 * vector(dim) (HNSW index, cosine distance: approximate nearest neighbours). Both indexes are
 * built after the first load (ensureSearchIndexes), then kept current by every write.
 *
 * Text ranking is ts_rank_cd(terms, query, 1), PostgreSQL's cover density rank divided by
 * 1 + ln(document length). It is BM25-like only loosely: it has no idf (a rare term weighs what a
 * common one does), its term frequency does not saturate as BM25's does, and length
 * normalisation is logarithmic instead of relative to the average document. Expect its ranking
 * to differ from the SQLite store's bm25().
 *
 * The URL may name a schema, postgres://…/db?schema=name (default: public), so that one
 * database holds several indexes, and HNSW's search breadth, ?ef_search=n (default: k, at least
 * 40): larger finds more of the true nearest neighbours, more slowly.
 */
export class PgvectorStore implements DocumentStore {
  readonly kind = 'pgvector' as const;
  /** The connection of the transaction `atomically` holds open, while it does. */
  private run: pg.PoolClient | null = null;

  private constructor(
    private readonly pool: pg.Pool,
    readonly location: string,
    private readonly schema: string,
    private readonly efSearch: number | undefined,
  ) {}

  static async open(url: string): Promise<PgvectorStore> {
    const { connectionString, schema, efSearch, display } = parseUrl(url);
    const pool = new pg.Pool({ connectionString, max: 4 });
    // An idle client's error (the server restarting) must not crash the process; the next query reports it.
    pool.on('error', () => {});
    try {
      await pool.query('SELECT 1');
    } catch (error) {
      await pool.end();
      throw new InputError(`cannot connect to PostgreSQL at ${display}: ${describe(error)}`, { cause: error });
    }
    return new PgvectorStore(pool, display, schema, efSearch);
  }

  private table(name: 'meta' | 'documents'): string {
    return `${quoteIdentifier(this.schema)}.${quoteIdentifier(`crossrank_${name}`)}`;
  }

  async settings(): Promise<IndexSettings | null> {
    const exists = await this.pool.query<{ regclass: string | null }>('SELECT to_regclass($1) AS regclass', [this.table('meta')]);
    if (exists.rows[0]?.regclass === null) return null;
    const result = await this.pool.query<{ value: IndexSettings }>(`SELECT value FROM ${this.table('meta')} WHERE key = 'settings'`);
    const settings = result.rows[0]?.value ?? null;
    if (settings && settings.schema !== SCHEMA_VERSION) {
      throw new InputError(`index ${this.location} has layout version ${settings.schema}; this crossrank reads version ${SCHEMA_VERSION}: rebuild it`);
    }
    return settings;
  }

  async initialize(settings: IndexSettings): Promise<void> {
    await this.transaction(async (client) => {
      try {
        await client.query('CREATE EXTENSION IF NOT EXISTS vector');
      } catch (error) {
        throw new InputError(`PostgreSQL at ${this.location} cannot enable pgvector (CREATE EXTENSION vector): ${describe(error)}`, { cause: error });
      }
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(this.schema)}`);
      const exists = await client.query<{ regclass: string | null }>('SELECT to_regclass($1) AS regclass', [this.table('meta')]);
      if (exists.rows[0]?.regclass !== null) throw new InputError(`index ${this.location} already exists`);
      const dimension = settings.embedding?.dimension;
      if (dimension !== undefined && (!Number.isInteger(dimension) || dimension < 1 || dimension > 16000)) {
        throw new InputError(`embedding dimension must be an integer from 1 to 16000, got ${dimension}`);
      }
      await client.query(`CREATE TABLE ${this.table('meta')} (key text PRIMARY KEY, value jsonb NOT NULL)`);
      await client.query(`
        CREATE TABLE ${this.table('documents')} (
          seq bigserial NOT NULL,
          id text PRIMARY KEY,
          title text,
          text text NOT NULL,
          metadata jsonb,
          terms tsvector NOT NULL
          ${dimension === undefined ? '' : `, embedding vector(${dimension}) NOT NULL`}
          ${settings.lateInteraction ? ', token_vectors bytea NOT NULL' : ''}
        )`);
      await client.query(`INSERT INTO ${this.table('meta')} (key, value) VALUES ('settings', $1)`, [JSON.stringify(settings)]);
    });
  }

  async upsert(records: readonly DocumentRecord[]): Promise<void> {
    if (records.length === 0) return;
    const settings = await this.settings();
    const hasVectors = settings?.embedding != null;
    const hasTokenVectors = settings?.lateInteraction != null;
    // ON CONFLICT cannot touch one row twice in a statement: the last record of an id wins, as in SQLite.
    const latest = new Map(records.map((record) => [record.document.id, record]));
    const rows = [...latest.values()];
    for (const { document, vector, tokenVectors } of rows) {
      const nul = (['id', 'title', 'text'] as const).find((field) => document[field]?.includes('\u0000'));
      if (nul) throw new InputError(`document ${document.id.replaceAll('\u0000', '\\u0000')}: its ${nul} holds the character U+0000, which PostgreSQL text cannot store`);
      if (hasVectors !== (vector !== undefined)) {
        throw new InputError(`document ${document.id}: ${hasVectors ? 'the index has vectors but the document has none' : 'the index has no vectors'}`);
      }
      if (hasTokenVectors !== (tokenVectors !== undefined)) {
        throw new InputError(`document ${document.id}: ${hasTokenVectors ? 'the index has token vectors but the document has none' : 'the index has no token vectors'}`);
      }
    }
    const columns = ['id', 'title', 'text', 'metadata', 'terms', ...(hasVectors ? ['embedding'] : []), ...(hasTokenVectors ? ['token_vectors'] : [])];
    const types = ['text[]', 'text[]', 'text[]', 'jsonb[]', 'tsvector[]', ...(hasVectors ? ['vector[]'] : []), ...(hasTokenVectors ? ['bytea[]'] : [])];
    const values: unknown[][] = [
      rows.map((r) => r.document.id),
      rows.map((r) => r.document.title ?? null),
      rows.map((r) => r.document.text),
      rows.map((r) => (r.document.metadata === undefined ? null : JSON.stringify(r.document.metadata))),
      rows.map((r) => tsvectorLiteral(r.terms === '' ? [] : r.terms.split(' '))),
      ...(hasVectors ? [rows.map((r) => vectorLiteral(r.vector as Float32Array))] : []),
      ...(hasTokenVectors ? [rows.map((r) => Buffer.from((r.tokenVectors as Uint8Array).buffer, (r.tokenVectors as Uint8Array).byteOffset, (r.tokenVectors as Uint8Array).byteLength))] : []),
    ];
    const updates = columns.slice(1).map((column) => `${column} = excluded.${column}`);
    await this.transaction((client) =>
      client.query(
        `INSERT INTO ${this.table('documents')} (${columns.join(', ')})
         SELECT * FROM unnest(${types.map((type, i) => `$${i + 1}::${type}`).join(', ')})
         ON CONFLICT (id) DO UPDATE SET ${updates.join(', ')}`,
        values,
      ),
    );
  }

  async ensureSearchIndexes(): Promise<void> {
    const settings = await this.settings();
    if (settings === null) return;
    const wanted: Array<[name: string, definition: string]> = [['crossrank_documents_terms', 'gin (terms)']];
    if (settings.embedding) wanted.push(['crossrank_documents_embedding', 'hnsw (embedding vector_cosine_ops)']);
    for (const [name, definition] of wanted) {
      const exists = await this.pool.query<{ regclass: string | null }>('SELECT to_regclass($1) AS regclass', [`${quoteIdentifier(this.schema)}.${quoteIdentifier(name)}`]);
      if (exists.rows[0]?.regclass !== null) continue;
      await this.transaction(async (client) => {
        // HNSW builds much faster when its graph fits in memory.
        await client.query(`SET LOCAL maintenance_work_mem = '512MB'`);
        await client.query(`CREATE INDEX IF NOT EXISTS ${quoteIdentifier(name)} ON ${this.table('documents')} USING ${definition}`);
      });
    }
  }

  async delete(ids: readonly string[]): Promise<number> {
    const result = await this.transaction((client) => client.query(`DELETE FROM ${this.table('documents')} WHERE id = ANY($1::text[])`, [ids]));
    return result.rowCount ?? 0;
  }

  async tokenVectors(ids: readonly string[]): Promise<Map<string, Uint8Array>> {
    await this.requireTokenVectors();
    const result = await this.pool.query<{ id: string; token_vectors: Buffer }>(`SELECT id, token_vectors FROM ${this.table('documents')} WHERE id = ANY($1::text[])`, [ids]);
    return new Map(result.rows.map((row) => [row.id, new Uint8Array(row.token_vectors.buffer, row.token_vectors.byteOffset, row.token_vectors.byteLength)]));
  }

  async *scanTokenVectors(): AsyncIterable<[string, Uint8Array]> {
    await this.requireTokenVectors();
    // In pages by insertion order, so a large corpus is never held whole.
    let after = 0n;
    for (;;) {
      const page = await this.pool.query<{ seq: string; id: string; token_vectors: Buffer }>(
        `SELECT seq, id, token_vectors FROM ${this.table('documents')} WHERE seq > $1 ORDER BY seq LIMIT 1000`,
        [after.toString()],
      );
      for (const row of page.rows) yield [row.id, new Uint8Array(row.token_vectors.buffer, row.token_vectors.byteOffset, row.token_vectors.byteLength)];
      if (page.rows.length < 1000) return;
      after = BigInt(page.rows[page.rows.length - 1].seq);
    }
  }

  private async requireTokenVectors(): Promise<void> {
    if ((await this.settings())?.lateInteraction == null) throw new InputError(`index ${this.location} has no token vectors: build it with a late-interaction model`);
  }

  async textSearch(terms: readonly string[], k: number): Promise<ScoredId[]> {
    const query = tsqueryLiteral(terms);
    if (query === null) return [];
    const result = await this.pool.query<{ id: string; score: number }>(
      `SELECT id, ts_rank_cd(terms, q, 1) AS score
       FROM ${this.table('documents')}, CAST($1 AS tsquery) AS q
       WHERE terms @@ q
       ORDER BY score DESC, seq
       LIMIT $2`,
      [query, k],
    );
    return result.rows.map((row) => ({ id: row.id, score: Number(row.score) }));
  }

  async vectorSearch(vector: Float32Array, k: number): Promise<ScoredId[]> {
    const settings = await this.settings();
    if (!settings?.embedding) throw new InputError(`index ${this.location} has no vectors: build it with an embedding model`);
    // HNSW returns at most ef_search neighbours (pgvector caps it at 1000). The ORDER BY must be the
    // distance alone, or PostgreSQL cannot use the HNSW index and scans every row.
    const limit = Math.min(k, 1000);
    const result = await this.transaction(async (client) => {
      await client.query(`SELECT set_config('hnsw.ef_search', $1, true)`, [String(Math.min(1000, Math.max(limit, this.efSearch ?? 40)))]);
      return client.query<{ id: string; score: number }>(
        `SELECT id, 1 - (embedding <=> $1::vector) AS score FROM ${this.table('documents')} ORDER BY embedding <=> $1::vector LIMIT $2`,
        [vectorLiteral(vector), limit],
      );
    });
    return result.rows.map((row) => ({ id: row.id, score: Number(row.score) }));
  }

  async get(ids: readonly string[]): Promise<Map<string, StoredDocument>> {
    const result = await this.pool.query<{ id: string; title: string | null; text: string; metadata: Record<string, unknown> | null }>(
      `SELECT id, title, text, metadata FROM ${this.table('documents')} WHERE id = ANY($1::text[])`,
      [ids],
    );
    return new Map(
      result.rows.map((row) => [
        row.id,
        { id: row.id, text: row.text, ...(row.title === null ? {} : { title: row.title }), ...(row.metadata === null ? {} : { metadata: row.metadata }) },
      ]),
    );
  }

  async count(): Promise<number> {
    if ((await this.settings()) === null) return 0;
    const result = await this.pool.query<{ count: string }>(`SELECT count(*) AS count FROM ${this.table('documents')}`);
    return Number(result.rows[0].count);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  async atomically<T>(work: () => Promise<T>): Promise<T> {
    if (this.run) throw new Error('PgvectorStore.atomically does not nest');
    return this.ownTransaction(async (client) => {
      this.run = client;
      try {
        return await work();
      } finally {
        this.run = null;
      }
    });
  }

  /**
   * Runs `work` in one transaction on one connection; any error rolls it back. Inside `atomically`
   * it runs in that transaction instead (an error then aborts it all).
   */
  private async transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    if (!this.run) return this.ownTransaction(work);
    try {
      return await work(this.run);
    } catch (error) {
      throw this.storeError(error);
    }
  }

  private async ownTransaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw this.storeError(error);
    } finally {
      client.release();
    }
  }

  /** A database error as one line naming the store; crossrank's own errors as they are. */
  private storeError(error: unknown): CrossrankError {
    return error instanceof CrossrankError ? error : new CrossrankError(`PostgreSQL at ${this.location}: ${describe(error)}`, { cause: error });
  }
}

/** Splits crossrank's ?schema= and ?ef_search= off the URL and drops the password from the form shown in messages. */
function parseUrl(url: string): { connectionString: string; schema: string; efSearch?: number; display: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InputError(`not a valid PostgreSQL URL: ${url.replace(/:[^:@/]*@/, ':***@')}`);
  }
  const schema = parsed.searchParams.get('schema') ?? 'public';
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(schema)) throw new InputError(`schema must be a plain SQL identifier, got ${schema}`);
  const efText = parsed.searchParams.get('ef_search');
  const efSearch = efText === null ? undefined : Number(efText);
  if (efSearch !== undefined && (!/^\d+$/.test(efText as string) || efSearch < 1 || efSearch > 1000)) {
    throw new InputError(`ef_search must be an integer from 1 to 1000, got ${efText}`);
  }
  parsed.searchParams.delete('schema');
  parsed.searchParams.delete('ef_search');
  const connectionString = parsed.toString();
  const shown = new URL(connectionString);
  if (shown.password) shown.password = '***';
  if (schema !== 'public') shown.searchParams.set('schema', schema);
  if (efSearch !== undefined) shown.searchParams.set('ef_search', String(efSearch));
  return { connectionString, schema, efSearch, display: shown.toString() };
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function describe(error: unknown): string {
  const e = error as { message?: string; code?: string };
  const message = (e.message || e.code || String(error)).split('\n')[0];
  return e.code && !message.includes(e.code) ? `${message} (${e.code})` : message;
}
