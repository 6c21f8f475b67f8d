/** What the rerank routes (Cohere and TEI) share: the request's abort signal and the query check. */
import type { FastifyReply } from 'fastify';
import { HttpError } from '../errors.js';

/** Aborts when the request times out or its client goes away, so it stops waiting for the model. */
export function requestSignal(reply: FastifyReply, timeoutMs: number): AbortSignal {
  const disconnected = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) disconnected.abort(new Error('the client closed the connection'));
  });
  return AbortSignal.any([AbortSignal.timeout(timeoutMs), disconnected.signal]);
}

/** A query must say something: empty or blank is an error, as in the engine. */
export function checkQueryField(query: string): void {
  if (query.trim() === '') throw new HttpError(422, 'query is empty', 'query');
}

