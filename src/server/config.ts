import { InputError } from '../errors.js';

/** What `crossrank serve` is configured with, beyond the model. */
export interface ServerConfig {
  /** Interface to listen on; loopback unless asked otherwise, so nothing is exposed by accident. */
  host: string;
  port: number;
  /** Accepted API keys (`Authorization: Bearer <key>`); none: no authentication. */
  apiKeys: readonly string[];
  /** The name `/info` reports for the model; default: the --model argument. */
  modelId: string;
  /** Documents (Cohere) or texts (TEI) per request at most. */
  maxDocuments: number;
  /** Request body size at most, in bytes. */
  maxBodyBytes: number;
  /** Document tokens kept at most: the default and the cap of Cohere's `max_tokens_per_doc`. */
  maxTokensPerDoc: number;
  /** A rerank request not answered by then gets 503. */
  requestTimeoutMs: number;
  /** A client has this long to send a whole request (headers and body); then 408 and the connection is closed. */
  bodyTimeoutMs: number;
  /** On shutdown, requests still unfinished after this are cut off and their connections closed. */
  shutdownGraceMs: number;
  /** Arrays and objects nested in a request body at most. */
  maxJsonDepth: number;
  /** How long the first waiting request collects others before they are scored together; 0: each request alone. */
  batchWindowMs: number;
  /** Tokens (of all pairs) scored together at most in one cross-request batch; a larger request goes alone. */
  maxBatchTokens: number;
  /** Requests waiting for the model at most; beyond it, 429 with Retry-After. */
  maxQueue: number;
  /** Origins allowed to call from a browser (`*` for any); none: CORS off. */
  corsOrigins: readonly string[];
  /**
   * BM25 over each request's documents mixed into the model's scores at this weight (0: off);
   * null: what the model's config recommends (the starter model: 1), else 0.
   */
  lexicalWeight: number | null;
}

export const DEFAULT_SERVER_CONFIG: ServerConfig = {
  host: '127.0.0.1',
  port: 8080,
  apiKeys: [],
  modelId: 'crossrank',
  maxDocuments: 1000,
  maxBodyBytes: 2_000_000,
  maxTokensPerDoc: 4096,
  requestTimeoutMs: 60_000,
  bodyTimeoutMs: 20_000,
  shutdownGraceMs: 10_000,
  maxJsonDepth: 64,
  batchWindowMs: 2,
  maxBatchTokens: 32_768,
  maxQueue: 64,
  corsOrigins: [],
  lexicalWeight: null,
};

type Parse = (value: string) => ServerConfig[keyof ServerConfig];

/** A setting as a flag and an environment variable (the flag wins). The table also feeds --help and the README. */
export interface ServerSetting {
  key: keyof ServerConfig;
  flag: string;
  env: string;
  description: string;
  parse: Parse;
}

const integer =
  (min: number): Parse =>
  (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min) throw new InputError(`expected an integer >= ${min}, got "${value}"`);
    return n;
  };
const list: Parse = (value) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
const text: Parse = (value) => value;
const weight: Parse = (value) => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InputError(`expected a number >= 0, got "${value}"`);
  return n;
};

export const SERVER_SETTINGS: readonly ServerSetting[] = [
  { key: 'host', flag: '--host <address>', env: 'CROSSRANK_HOST', description: 'interface to listen on (0.0.0.0: all)', parse: text },
  { key: 'port', flag: '--port <n>', env: 'CROSSRANK_PORT', description: 'TCP port (0: any free one)', parse: integer(0) },
  { key: 'apiKeys', flag: '--api-key <keys>', env: 'CROSSRANK_API_KEY', description: 'require Authorization: Bearer <key>; several keys comma-separated', parse: list },
  { key: 'modelId', flag: '--model-id <name>', env: 'CROSSRANK_MODEL_ID', description: 'model name reported by /info (default: --model)', parse: text },
  { key: 'maxDocuments', flag: '--max-documents <n>', env: 'CROSSRANK_MAX_DOCUMENTS', description: 'documents per request at most', parse: integer(1) },
  { key: 'maxBodyBytes', flag: '--max-body-bytes <n>', env: 'CROSSRANK_MAX_BODY_BYTES', description: 'request body at most, in bytes', parse: integer(1) },
  { key: 'maxTokensPerDoc', flag: '--max-tokens-per-doc <n>', env: 'CROSSRANK_MAX_TOKENS_PER_DOC', description: 'document tokens kept at most (default and cap of max_tokens_per_doc)', parse: integer(1) },
  { key: 'requestTimeoutMs', flag: '--request-timeout-ms <ms>', env: 'CROSSRANK_REQUEST_TIMEOUT_MS', description: 'answer 503 to a rerank request not done by then', parse: integer(1) },
  { key: 'bodyTimeoutMs', flag: '--body-timeout-ms <ms>', env: 'CROSSRANK_BODY_TIMEOUT_MS', description: 'answer 408 and close the connection of a client that has not sent its whole request by then', parse: integer(1) },
  { key: 'shutdownGraceMs', flag: '--shutdown-grace-ms <ms>', env: 'CROSSRANK_SHUTDOWN_GRACE_MS', description: 'on SIGTERM, close connections still busy after this', parse: integer(0) },
  { key: 'maxJsonDepth', flag: '--max-json-depth <n>', env: 'CROSSRANK_MAX_JSON_DEPTH', description: 'arrays and objects nested in a request body at most', parse: integer(1) },
  { key: 'batchWindowMs', flag: '--batch-window-ms <ms>', env: 'CROSSRANK_BATCH_WINDOW_MS', description: 'collect concurrent requests this long to score them together (0: each alone)', parse: integer(0) },
  { key: 'maxBatchTokens', flag: '--max-batch-tokens <n>', env: 'CROSSRANK_MAX_BATCH_TOKENS', description: 'tokens of all requests scored together at most', parse: integer(1) },
  { key: 'maxQueue', flag: '--max-queue <n>', env: 'CROSSRANK_MAX_QUEUE', description: 'requests waiting for the model at most; then 429', parse: integer(1) },
  { key: 'lexicalWeight', flag: '--lexical-weight <w>', env: 'CROSSRANK_LEXICAL_WEIGHT', description: "mix BM25 over each request's documents into the scores at this weight; 0: the model alone (default: the model's recommendation)", parse: weight },
  { key: 'corsOrigins', flag: '--cors-origin <origins>', env: 'CROSSRANK_CORS_ORIGIN', description: 'enable CORS for these origins (comma-separated, or *)', parse: list },
];

/** The defaults with `overrides` applied, checked: a bad value is an InputError naming the setting. */
export function resolveServerConfig(overrides: Partial<ServerConfig> = {}): ServerConfig {
  const config: ServerConfig = { ...DEFAULT_SERVER_CONFIG, ...withoutUndefined(overrides) };
  const atLeast = (key: keyof ServerConfig, min: number): void => {
    const value = config[key];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) throw new InputError(`${key} must be an integer >= ${min}, got ${String(value)}`);
  };
  atLeast('port', 0);
  for (const key of ['maxDocuments', 'maxBodyBytes', 'maxTokensPerDoc', 'requestTimeoutMs', 'bodyTimeoutMs', 'maxJsonDepth', 'maxBatchTokens', 'maxQueue'] as const) atLeast(key, 1);
  atLeast('batchWindowMs', 0);
  atLeast('shutdownGraceMs', 0);
  if (config.port > 65535) throw new InputError(`port must be at most 65535, got ${config.port}`);
  if (config.lexicalWeight !== null && (typeof config.lexicalWeight !== 'number' || !Number.isFinite(config.lexicalWeight) || config.lexicalWeight < 0)) {
    throw new InputError(`lexicalWeight must be a number >= 0, got ${String(config.lexicalWeight)}`);
  }
  if (config.apiKeys.some((key) => key.length === 0)) throw new InputError('an API key is empty');
  return config;
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
