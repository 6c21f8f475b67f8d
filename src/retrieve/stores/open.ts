import { requireOptionalPackages } from '../../optionalPackages.js';
import type { DocumentStore } from './types.js';

/** A PostgreSQL connection URL selects the pgvector store; anything else is the path of an SQLite file. */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

export interface OpenStoreOptions {
  /** Create an SQLite file that does not exist yet (a PostgreSQL database must exist already). */
  create: boolean;
}

/**
 * Opens the store at `location`. Each store's driver is an optional peer dependency, loaded only
 * when that store is opened: pg for a PostgreSQL URL, better-sqlite3 and sqlite-vec for a file.
 */
export async function openStore(location: string, options: OpenStoreOptions): Promise<DocumentStore> {
  if (isPostgresUrl(location)) {
    requireOptionalPackages('A PostgreSQL index', ['pg']);
    const { PgvectorStore } = await import('./pgvector.js');
    return PgvectorStore.open(location);
  }
  requireOptionalPackages('An SQLite index', ['better-sqlite3', 'sqlite-vec']);
  const { SqliteStore } = await import('./sqlite.js');
  return SqliteStore.open(location, options);
}
