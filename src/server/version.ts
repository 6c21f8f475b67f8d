import { readFileSync } from 'node:fs';

/** crossrank's version, from package.json (at the same depth from src/server and dist/server). */
export const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
