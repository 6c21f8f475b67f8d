import type { FastifyInstance } from 'fastify';
import { HttpError } from './errors.js';

const PROTO_KEY = /"__proto__"\s*:/;

/**
 * Replaces Fastify's JSON body parser, which drops the parser's message, with one whose error
 * says where the JSON breaks. Like Fastify's, it refuses `__proto__` keys (prototype poisoning
 * of code that merges the body); the scan runs only when the text contains such a key.
 */
export function installJsonBodyParser(app: FastifyInstance): void {
  // JSON only: a text/plain body would otherwise reach validation as a string.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = body as string;
    if (text.trim() === '') return done(new HttpError(400, 'the request body is empty; expected a JSON object', 'body'), undefined);
    try {
      done(null, PROTO_KEY.test(text) ? JSON.parse(text, refuseProtoKey) : JSON.parse(text));
    } catch (error) {
      if (error instanceof HttpError) return done(error, undefined);
      done(new HttpError(400, `the request body is not valid JSON: ${(error as Error).message}`, 'body'), undefined);
    }
  });
}

function refuseProtoKey(key: string, value: unknown): unknown {
  if (key === '__proto__') throw new HttpError(400, 'the request body has a "__proto__" key, which this server refuses', 'body');
  return value;
}
