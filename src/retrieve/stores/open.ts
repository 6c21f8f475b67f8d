import { InputError } from '../../errors.js';
import { requireOptionalPackages } from '../../optionalPackages.js';
import type { DocumentStore } from './types.js';

/** A PostgreSQL connection URL selects the pgvector store; anything else is the path of an SQLite file. */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/**
 * Throws for a location that was meant as a URL but is not a PostgreSQL one: another scheme, or
 * only a URL's query (`?schema=mini`, what `"$URL?schema=mini"` leaves when $URL is empty). Taken
 * as a path, it would silently create an SQLite file of that name.
 */
function rejectUrlLike(location: string): void {
  const shown = location.replace(/:[^:@/]*@/, ':***@');
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(location)) {
    throw new InputError(`index ${shown} is a URL but not postgres:// or postgresql://; an index is an SQLite file path or a PostgreSQL URL`);
  }
  if (location.startsWith('?') || /[?&](schema|ef_search)=/.test(location)) {
    throw new InputError(`index ${shown} looks like part of a PostgreSQL URL (is the variable before it empty?); an index is an SQLite file path or postgres://user@host/db[?schema=name]`);
  }
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
  rejectUrlLike(location);
  requireOptionalPackages('An SQLite index', ['better-sqlite3', 'sqlite-vec']);
  const { SqliteStore } = await import('./sqlite.js');
  return SqliteStore.open(location, options);
}
