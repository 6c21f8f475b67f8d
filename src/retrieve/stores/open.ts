import { SqliteStore } from './sqlite.js';
import type { DocumentStore } from './types.js';

/** A PostgreSQL connection URL selects the pgvector store; anything else is the path of an SQLite file. */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

export interface OpenStoreOptions {
  /** Create an SQLite file that does not exist yet (a PostgreSQL database must exist already). */
  create: boolean;
}

/** Opens the store at `location`; the pg driver is loaded only for a PostgreSQL URL. */
export async function openStore(location: string, options: OpenStoreOptions): Promise<DocumentStore> {
  if (isPostgresUrl(location)) {
    const { PgvectorStore } = await import('./pgvector.js');
    return PgvectorStore.open(location);
  }
  return SqliteStore.open(location, options);
}
