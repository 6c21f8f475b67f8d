import type { FastifyInstance } from 'fastify';

/**
 * Cross-origin access for browsers, off unless origins are given (`*`: any). Preflight
 * requests (OPTIONS with Access-Control-Request-Method) are answered here, before
 * authentication, since browsers send them without credentials.
 */
export function installCors(app: FastifyInstance, origins: readonly string[]): void {
  if (origins.length === 0) return;
  const anyOrigin = origins.includes('*');
  app.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin;
    if (origin === undefined || !(anyOrigin || origins.includes(origin))) return;
    void reply.header('access-control-allow-origin', anyOrigin ? '*' : origin);
    if (!anyOrigin) void reply.header('vary', 'Origin');
    if (request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined) {
      return reply
        .code(204)
        .headers({
          'access-control-allow-methods': 'GET, POST, OPTIONS',
          'access-control-allow-headers': 'authorization, content-type',
          'access-control-max-age': '600',
        })
        .send();
    }
  });
}
