import type { FastifyPluginAsync } from 'fastify';
import { PLAYGROUND_HTML } from '../playgroundPage.js';

/**
 * GET /: a page to try the server from a browser. It calls the same API as any client
 * (POST /v2/rerank, GET /info) with the key typed into it, so it needs and gets no privileges of
 * its own; the page itself is static and open, like /health (auth.ts), since a browser cannot send
 * a bearer token when it navigates.
 */
export function playgroundRoutes(): FastifyPluginAsync {
  return async (app) => {
    app.get('/', async (_request, reply) =>
      reply
        .type('text/html; charset=utf-8')
        // The page runs only its own inline script and talks only to this server.
        .header('content-security-policy', "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:")
        .header('cache-control', 'no-cache')
        .send(PLAYGROUND_HTML),
    );
  };
}
