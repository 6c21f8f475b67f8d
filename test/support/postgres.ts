import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { repoRoot } from './paths.js';

/** The URL scripts/start-postgres.sh prints with its defaults. */
const DEFAULT_URL = 'postgres://postgres@127.0.0.1:54329/crossrank';

async function reachable(url: string): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (error) {
    return (error as Error).message || String((error as { code?: string }).code ?? error);
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * A PostgreSQL server with pgvector for the tests: CROSSRANK_PG_URL when set (it must work then);
 * otherwise the server scripts/start-postgres.sh runs by default, started here if PostgreSQL and
 * pgvector are installed. Returns the URL, or why there is none (the tests are then skipped).
 */
export async function postgresForTests(): Promise<{ url: string } | { skip: string }> {
  const configured = process.env.CROSSRANK_PG_URL;
  if (configured) {
    const problem = await reachable(configured);
    if (problem) throw new Error(`CROSSRANK_PG_URL is set but PostgreSQL cannot be reached: ${problem}`);
    return { url: configured };
  }
  if ((await reachable(DEFAULT_URL)) === null) return { url: DEFAULT_URL };
  const installed = existsSync('/usr/lib/postgresql/15/bin/postgres') && existsSync('/usr/share/postgresql/15/extension/vector.control');
  if (!installed) return { skip: 'CROSSRANK_PG_URL is unset and PostgreSQL 15 with pgvector is not installed (run scripts/start-postgres.sh)' };
  const started = spawnSync('bash', [join(repoRoot, 'scripts/start-postgres.sh')], { encoding: 'utf8', timeout: 120_000 });
  const url = started.stdout.trim().split('\n').pop() ?? '';
  if (started.status !== 0 || !url.startsWith('postgres://')) {
    return { skip: `CROSSRANK_PG_URL is unset and scripts/start-postgres.sh failed: ${started.stderr.trim().split('\n').pop()}` };
  }
  return { url };
}

/** The URL with a fresh schema, so each test file has its own index; drop() removes it. */
export function withSchema(url: string, schema: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('schema', schema);
  return parsed.toString();
}

export async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}
