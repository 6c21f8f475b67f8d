import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { CancelledError, CrossrankError, InputError, NotReadyError, OverloadedError, TooLongError } from '../errors.js';

/** An HTTP error whose message can be shown as it is; `field` names the part of the request at fault. */
export class HttpError extends CrossrankError {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly field?: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

/** The body of every error response. */
export interface ErrorBody {
  message: string;
  field?: string;
}

interface AjvError {
  keyword: string;
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
}

/**
 * Every error becomes a JSON `{ message, field }` with a 4xx status when the request is at fault:
 * schema violations, malformed JSON, wrong content type, oversize bodies. A 5xx means a bug or
 * an overloaded server, never bad input.
 */
export function installErrorHandler(app: FastifyInstance, requestTimeoutMs: number): void {
  app.setErrorHandler((error: FastifyError | HttpError, request, reply) => {
    const { status, body, headers } = describe(asHttpError(error, requestTimeoutMs) ?? error);
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    void reply.code(status).headers(headers).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send({ message: `no route ${request.method} ${request.url.split('?')[0]}` } satisfies ErrorBody);
  });
}

const OVERLOADED_MESSAGE = 'the server is busy: too many requests are waiting for the model; retry later';
const OVERLOADED_BODY = JSON.stringify({ message: OVERLOADED_MESSAGE } satisfies ErrorBody);

/**
 * Answers 429 as the error handler answers an OverloadedError, without making one: a flood of
 * refused requests costs an Error (its stack trace) and the error handler's path per refusal,
 * about a sixth of what a refusal costs the server.
 */
export function sendOverloaded(reply: FastifyReply, retryAfterSeconds: number): void {
  void reply.code(429).header('retry-after', String(retryAfterSeconds)).type('application/json; charset=utf-8').send(OVERLOADED_BODY);
}

const NOT_READY_MESSAGES: Record<NotReadyError['state'], (error: NotReadyError) => string> = {
  loading: () => 'the model is still loading; see /ready',
  failed: (error) => error.message,
  closing: () => 'the server is shutting down',
};

/**
 * The engine's domain errors as HTTP, in one table: the engine knows nothing of status codes.
 * Anything else (InputError included) is left to describe().
 */
function asHttpError(error: unknown, requestTimeoutMs: number): HttpError | null {
  const retryAfter = (seconds: number | undefined): Record<string, string> => (seconds === undefined ? {} : { 'retry-after': String(seconds) });
  if (error instanceof TooLongError) return new HttpError(413, error.message, error.field);
  if (error instanceof OverloadedError) return new HttpError(429, OVERLOADED_MESSAGE, undefined, retryAfter(error.retryAfterSeconds));
  if (error instanceof NotReadyError) return new HttpError(503, NOT_READY_MESSAGES[error.state](error), undefined, retryAfter(error.retryAfterSeconds));
  if (error instanceof CancelledError && error.reason === 'timeout') {
    return new HttpError(503, `the request was not answered within ${requestTimeoutMs} ms (request timeout)`, undefined, retryAfter(error.retryAfterSeconds));
  }
  if (error instanceof CancelledError) return new HttpError(499, 'the client closed the connection');
  return null;
}

function describe(error: FastifyError | HttpError): { status: number; body: ErrorBody; headers: Record<string, string> } {
  if (error instanceof HttpError) return { status: error.statusCode, body: errorBody(error.message, error.field), headers: { ...error.headers } };
  if (error instanceof InputError) return { status: 422, body: errorBody(firstLine(error.message)), headers: {} };
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    const { status, message, field } = describeValidation(fastifyError.validation as unknown as AjvError[], fastifyError.validationContext ?? 'body');
    return { status, body: errorBody(message, field), headers: {} };
  }
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, body: errorBody(`the request body is larger than this server accepts (${firstLine(fastifyError.message)})`, 'body'), headers: {} };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, body: errorBody('Content-Type must be application/json', 'Content-Type'), headers: {} };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, body: errorBody('the request body is empty; expected a JSON object', 'body'), headers: {} };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { status: 400, body: errorBody(`the request body is not valid JSON: ${firstLine(fastifyError.message)}`, 'body'), headers: {} };
    default:
      break;
  }
  const status = fastifyError.statusCode ?? 500;
  if (error instanceof SyntaxError && status === 400) {
    return { status, body: errorBody(`the request body is not valid JSON: ${firstLine(error.message)}`, 'body'), headers: {} };
  }
  if (status >= 400 && status < 500) return { status, body: errorBody(firstLine(fastifyError.message)), headers: {} };
  if (status === 503) return { status, body: errorBody(firstLine(fastifyError.message)), headers: {} };
  return { status: 500, body: errorBody('internal error: the server failed to answer this request (see its log)'), headers: {} };
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
  array: 'an array',
  object: 'an object',
};

/**
 * One line from Ajv's errors. Ajv reports each failed branch of an anyOf before the anyOf
 * itself; the anyOf (where present) is the one that says what was expected.
 */
function describeValidation(errors: AjvError[], context: string): { status: number; message: string; field: string } {
  const error = errors.find((e) => e.keyword === 'anyOf') ?? errors[0];
  const field = fieldName(context, error.instancePath, error.keyword === 'required' ? String(error.params.missingProperty) : undefined);
  const limit = error.params.limit as number | undefined;
  switch (error.keyword) {
    case 'required':
      return { status: 422, message: `${field} is required`, field };
    case 'type':
      return { status: 422, message: `${field} must be ${TYPE_NAMES[String(error.params.type)] ?? String(error.params.type)}`, field };
    case 'anyOf':
      return { status: 422, message: `${field} must be a string or an object with a string "text" field`, field };
    case 'minItems':
      return { status: 422, message: limit === 1 ? `${field} is empty; send at least one` : `${field} must have at least ${limit} items`, field };
    case 'maxItems':
      return { status: 413, message: `${field} has more than ${limit} items, the most this server accepts per request`, field };
    case 'minLength':
      return { status: 422, message: limit === 1 ? `${field} is empty` : `${field} must be at least ${limit} characters`, field };
    case 'minimum':
      return { status: 422, message: `${field} must be at least ${limit}`, field };
    case 'enum':
      return { status: 422, message: `${field} must be one of ${(error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`, field };
    default:
      return { status: 422, message: `${field} ${error.message ?? 'is invalid'}`, field };
  }
}

/** `/documents/3/text` in the body → `documents[3].text`; the body itself → `body`. */
function fieldName(context: string, instancePath: string, child?: string): string {
  const parts = instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (child !== undefined) parts.push(child);
  if (parts.length === 0) return context;
  return parts.reduce((name, part, i) => (/^\d+$/.test(part) ? `${name}[${part}]` : i === 0 ? part : `${name}.${part}`), '');
}

function errorBody(message: string, field?: string): ErrorBody {
  return field === undefined ? { message } : { message, field };
}

function firstLine(message: string): string {
  return message.split('\n')[0];
}
