/** What the rerank routes (Cohere and TEI) share: the request's abort signal, the query check, the early refusal. */
import type { FastifyReply, onRequestHookHandler } from 'fastify';
import { HttpError, sendOverloaded } from '../errors.js';
import type { QueuedReranker } from '../../rerank/queuedReranker.js';

/**
 * A rerank route's onRequest: 429 at once when the queue is full, before the body is read (its
 * connection then closes). A plain callback that makes no error object: under a flood of clients
 * that ignore Retry-After, refusing is most of what the event loop does.
 */
export function refuseWhenBusy(service: QueuedReranker): onRequestHookHandler {
  return (_request, reply, done) => {
    if (service.isBusy) sendOverloaded(reply, service.retryAfterSeconds());
    else done();
  };
}

/**
 * Aborts when the request times out or its client goes away, so it stops waiting for the model.
 * The timeout counts from the request's arrival, its body's transfer and parsing included.
 * One controller and a plain timer, held by the response until it closes: a timeout signal
 * combined with AbortSignal.any is held only weakly, and a garbage collection can drop it
 * before it fires (the request then ran to the end, however long).
 */
export function requestSignal(reply: FastifyReply, timeoutMs: number): AbortSignal {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException(`the request was not answered within ${timeoutMs} ms`, 'TimeoutError')),
    Math.max(1, Math.round(timeoutMs - reply.elapsedTime)),
  );
  // Nor does the timer hold the process (at shutdown) or the request (in memory) once it is done.
  timer.unref();
  const abandoned = (): void => {
    clearTimeout(timer);
    controller.abort(new Error('the client closed the connection'));
  };
  // A client can go while its body waits to be parsed: then the close has already happened.
  if (reply.raw.destroyed || reply.request.raw.socket.destroyed) abandoned();
  else {
    reply.raw.once('close', () => {
      clearTimeout(timer);
      if (!reply.raw.writableFinished) abandoned();
    });
  }
  return controller.signal;
}

/** A query must say something: empty or blank is an error, as in the engine. */
export function checkQueryField(query: string): void {
  if (query.trim() === '') throw new HttpError(422, 'query is empty', 'query');
}

