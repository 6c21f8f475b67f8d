import type { FastifyInstance } from 'fastify';
import { HttpError } from './errors.js';
import type { EventLoopTurns } from '../rerank/eventLoopTurns.js';

/** Bodies from this size on are decoded and parsed in an event-loop turn of their own (see EventLoopTurns). */
const LARGE_BODY_BYTES = 64 * 1024;

/**
 * Whether a text may hold a prototype key, so that its parse pays for the reviver: the key
 * itself, or any \u escape (`"\u005f_proto__"` is `__proto__` once unescaped). Three substring
 * searches: on a 2 MB body about a twentieth of what one regular expression with alternatives takes.
 */
function mayHoldPrototypeKey(text: string): boolean {
  return text.includes('\\u') || text.includes('__proto__') || text.includes('constructor');
}

/**
 * Replaces Fastify's JSON body parser, which drops the parser's message, with one whose error
 * says where the JSON breaks. It refuses bodies nested deeper than `maxDepth` (before parsing:
 * a deep body costs stack when parsed and when echoed back, and would throw at serialisation),
 * and, like Fastify's, `__proto__` keys and `constructor.prototype` (prototype poisoning of code
 * that merges the body), checked on the parsed keys, so after JSON unescaping.
 */
export function installJsonBodyParser(app: FastifyInstance, maxDepth: number, turns: EventLoopTurns): void {
  // JSON only: a text/plain body would otherwise reach validation as a string.
  app.removeAllContentTypeParsers();
  // As bytes: Fastify then only joins the chunks when the body ends (bodies that end together are
  // joined in one go), and a large body's UTF-8 decoding waits for its own turn with its parse.
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const bytes = body as Buffer;
    if (bytes.length < LARGE_BODY_BYTES) return parseBody(bytes.toString('utf8'), maxDepth, done);
    void turns.next(undefined, true).then(() => {
      // A client that left while its body waited (a burst of them, say) costs no parse.
      if (request.raw.socket.destroyed) return done(new HttpError(499, 'the client closed the connection'), undefined);
      parseBody(bytes.toString('utf8'), maxDepth, done);
    });
  });
}

function parseBody(text: string, maxDepth: number, done: (error: Error | null, body?: unknown) => void): void {
  if (text.trim() === '') return done(new HttpError(400, 'the request body is empty; expected a JSON object', 'body'), undefined);
  const depth = jsonDepth(text, maxDepth);
  if (depth > maxDepth) return done(new HttpError(400, `the request body is nested deeper than ${maxDepth} levels of arrays and objects, the most this server accepts`, 'body'), undefined);
  try {
    done(null, mayHoldPrototypeKey(text) ? JSON.parse(text, refusePrototypeKeys) : JSON.parse(text));
  } catch (error) {
    if (error instanceof HttpError) return done(error, undefined);
    done(new HttpError(400, `the request body is not valid JSON: ${(error as Error).message}`, 'body'), undefined);
  }
}

// The characters that matter to nesting; V8's regex engine skips the rest (long strings) far
// faster than a character loop.
const STRUCTURE = /["\\[\]{}]/g;

/**
 * The deepest nesting of arrays and objects in a JSON text, brackets inside strings not counted;
 * it stops counting once past `limit`. Malformed text gives some number: JSON.parse reports it.
 */
export function jsonDepth(text: string, limit: number): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  STRUCTURE.lastIndex = 0;
  for (let match = STRUCTURE.exec(text); match !== null; match = STRUCTURE.exec(text)) {
    const c = match[0];
    if (inString) {
      if (c === '\\') STRUCTURE.lastIndex++; // the escaped character, whatever it is
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '[' || c === '{') {
      if (++depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if (c === ']' || c === '}') depth--;
  }
  return deepest;
}

function refusePrototypeKeys(key: string, value: unknown): unknown {
  if (key === '__proto__') throw new HttpError(400, 'the request body has a "__proto__" key, which this server refuses', 'body');
  if (key === 'constructor' && typeof value === 'object' && value !== null && Object.hasOwn(value, 'prototype')) {
    throw new HttpError(400, 'the request body has a "constructor.prototype" key, which this server refuses', 'body');
  }
  return value;
}
