import type { ServerOptions } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { ServerConfig } from './config.js';
import type { ErrorBody } from './errors.js';

/**
 * Fastify options that bound how long a client may take to send a request: Node answers 408 and
 * closes the connection of a client whose headers and body have not all arrived within
 * `bodyTimeoutMs` (a slow or stalled body would otherwise hold its socket forever). Node checks
 * for such connections every `connectionsCheckingInterval` (30 s by default, far too coarse for
 * a timeout to fire on time), so the interval is a tenth of the timeout.
 */
export function clientTimeoutOptions(config: ServerConfig): { requestTimeout: number; http: ServerOptions } {
  const checkEveryMs = Math.max(10, Math.min(1000, Math.floor(config.bodyTimeoutMs / 10)));
  return {
    requestTimeout: config.bodyTimeoutMs,
    http: { requestTimeout: config.bodyTimeoutMs, headersTimeout: config.bodyTimeoutMs, connectionsCheckingInterval: checkEveryMs },
  };
}

/** Client errors Node reports before (or instead of) a request: what they are answered with. */
const CLIENT_ERRORS: Record<string, { status: number; message: string }> = {
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, message: 'the request was not received in time (body timeout): the connection is closed' },
  HPE_HEADER_OVERFLOW: { status: 431, message: 'the request headers are larger than this server accepts' },
};

export interface ClientErrorCounter {
  /** A client error answered by Node on a connection with no request in the app (counted there otherwise). */
  clientError(status: number): void;
}

/**
 * Connection rules of the server:
 * - a client error (a timed-out request, malformed HTTP) is answered with a JSON error and the
 *   connection closed; a timed-out request the app has begun is counted by the app as a 408;
 * - a request answered before its body was read (401, 413 by Content-Length, an early 429)
 *   closes its connection, so the server neither reads nor waits for a body it has refused;
 * - a closing server ends each connection after its response, and after `shutdownGraceMs`
 *   closes those still busy (a slow client must not hold up the shutdown).
 */
export class Connections {
  private readonly timedOut = new WeakSet<Socket>();
  private readonly inApp = new WeakSet<Socket>();
  private closing = false;

  constructor(private readonly counter: ClientErrorCounter) {}

  /** Whether the request on `socket` was cut off by the body timeout. */
  timedOutOn(socket: Socket): boolean {
    return this.timedOut.has(socket);
  }

  readonly handleClientError = (error: Error & { code?: string }, socket: Socket): void => {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const known = CLIENT_ERRORS[error.code ?? ''] ?? { status: 400, message: 'the request is not valid HTTP' };
    if (known.status === 408) this.timedOut.add(socket);
    if (!this.inApp.has(socket)) this.counter.clientError(known.status);
    const body = JSON.stringify({ message: known.message } satisfies ErrorBody);
    if (socket.writable) {
      socket.write(
        `HTTP/1.1 ${known.status} ${known.status === 408 ? 'Request Timeout' : known.status === 431 ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n` +
          `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    }
    socket.destroy();
  };

  install(app: FastifyInstance, config: ServerConfig): void {
    app.addHook('onRequest', async (request, reply) => {
      const socket = request.raw.socket;
      this.inApp.add(socket);
      reply.raw.once('close', () => this.inApp.delete(socket));
    });
    app.addHook('onSend', async (request, reply, payload) => {
      if (this.closing || !request.raw.complete) void reply.header('connection', 'close');
      return payload;
    });
    let grace: NodeJS.Timeout | undefined;
    app.addHook('preClose', async () => {
      this.closing = true;
      grace = setTimeout(() => app.server.closeAllConnections(), config.shutdownGraceMs);
      grace.unref();
    });
    app.addHook('onClose', async () => clearTimeout(grace));
  }
}
