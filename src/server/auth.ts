import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { HttpError } from './errors.js';

/** Probes of an orchestrator carry no credentials; nor does a browser opening the playground page (static: it holds no data). */
const OPEN_ROUTES = new Set(['/health', '/ready', '/']);

/**
 * Requires `Authorization: Bearer <key>` with one of `keys` on every route but /health and
 * /ready. Keys are compared as SHA-256 digests with timingSafeEqual: equal lengths whatever
 * was sent, and every key is compared, so the time taken says nothing about the keys.
 */
export function installAuth(app: FastifyInstance, keys: readonly string[]): void {
  if (keys.length === 0) return;
  const digests = keys.map(digest);
  app.addHook('onRequest', async (request) => {
    if (request.method === 'OPTIONS' || OPEN_ROUTES.has(request.routeOptions.url ?? '')) return;
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header.trim());
    const presented = digest(match ? match[1].trim() : '');
    let valid = false;
    for (const key of digests) valid = timingSafeEqual(presented, key) || valid;
    if (!valid) {
      const problem = header === '' ? 'missing API key' : 'invalid API key';
      throw new HttpError(401, `${problem}: send Authorization: Bearer <key>`, 'Authorization', { 'www-authenticate': 'Bearer' });
    }
  });
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
