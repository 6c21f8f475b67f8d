import { CrossrankError } from './errors.js';

/**
 * A feature's optional peer dependency is not installed. Reranking needs none of them; the server
 * (fastify, prom-client), the SQLite index (better-sqlite3, sqlite-vec) and the PostgreSQL index
 * (pg) each need theirs, so a rerank-only install stays small.
 */
export class MissingPackageError extends CrossrankError {}

/**
 * Throws a MissingPackageError naming every package of `packages` that cannot be resolved from
 * crossrank, and the npm command that installs them. Callers check before their first dynamic
 * import of the modules that use the packages, so the user sees this line rather than Node's
 * ERR_MODULE_NOT_FOUND from deep inside crossrank.
 */
export function requireOptionalPackages(feature: string, packages: readonly string[]): void {
  const missing = packages.filter((name) => !isResolvable(name));
  if (missing.length === 0) return;
  const list = missing.join(' ');
  throw new MissingPackageError(
    `${feature} needs the optional package${missing.length > 1 ? 's' : ''} ${missing.join(', ')}, which ${missing.length > 1 ? 'are' : 'is'} not installed: run \`npm install ${list}\``,
  );
}

function isResolvable(name: string): boolean {
  try {
    import.meta.resolve(name);
    return true;
  } catch {
    return false;
  }
}
