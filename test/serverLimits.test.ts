import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CrossEncoder } from '../src/index.js';
import { sigmoid } from '../src/rerank/activation.js';
import { buildApp } from '../src/server/app.js';
import { DEFAULT_SERVER_CONFIG, resolveServerConfig } from '../src/server/config.js';
import type { ErrorBody } from '../src/server/errors.js';
import type { CohereRerankResponse } from '../src/server/routes/cohere.js';
import type { TeiRerankResponse } from '../src/server/routes/tei.js';
import { startServer, type TestServer } from './support/server.js';
import { testModel } from './support/testModels.js';

const QUERY = 'convert images';
const DOCUMENT = 'ImageMagick converts, resizes and edits images from the command line.';

let limited: TestServer;
let reference: CrossEncoder;

before(async () => {
  limited = await startServer({
    config: { maxDocuments: 3, maxBodyBytes: 20_000, maxTokensPerDoc: 8, apiKeys: ['key-one', 'key-two'], corsOrigins: ['https://app.example'] },
  });
  reference = await CrossEncoder.load((await testModel('tiny-bert')).dir, { variant: 'fp32', threads: 1 });
});
after(async () => {
  await limited.app.close();
  await reference.close();
});

const auth = { authorization: 'Bearer key-one' };

test('loopback, port 8080 and CORS off by default; settings are checked', () => {
  assert.equal(DEFAULT_SERVER_CONFIG.host, '127.0.0.1');
  assert.equal(DEFAULT_SERVER_CONFIG.port, 8080);
  assert.deepEqual(DEFAULT_SERVER_CONFIG.corsOrigins, []);
  assert.deepEqual(DEFAULT_SERVER_CONFIG.apiKeys, []);
  assert.throws(() => resolveServerConfig({ maxQueue: 0 }), /maxQueue must be an integer >= 1, got 0/);
  assert.throws(() => resolveServerConfig({ port: 70000 }), /port must be at most 65535/);
  assert.throws(() => resolveServerConfig({ apiKeys: [''] }), /an API key is empty/);
});

test('max documents per request: 413 naming the list', async () => {
  const cohere = await limited.post<ErrorBody>('/v1/rerank', { query: QUERY, documents: ['a', 'b', 'c', 'd'] }, auth);
  assert.equal(cohere.status, 413);
  assert.equal(cohere.body.field, 'documents');
  assert.match(cohere.body.message, /documents has more than 3 items/);
  const tei = await limited.post<ErrorBody>('/rerank', { query: QUERY, texts: ['a', 'b', 'c', 'd'] }, auth);
  assert.equal(tei.status, 413);
  assert.equal(tei.body.field, 'texts');
  assert.equal((await limited.post('/rerank', { query: QUERY, texts: ['a', 'b', 'c'] }, auth)).status, 200);
});

test('max body size: 413', async () => {
  const response = await limited.post<ErrorBody>('/rerank', { query: QUERY, texts: ['x'.repeat(25_000)] }, auth);
  assert.equal(response.status, 413);
  assert.equal(response.body.field, 'body');
  assert.match(response.body.message, /body is larger than this server accepts/);
});

test('per-document token budget: cut by default, max_tokens_per_doc capped by it, 413 with truncate=false', async () => {
  const [cutAt8] = await reference.scoreEncoded(reference.encodePairs([[QUERY, DOCUMENT]], { maxDocumentTokens: 8 }).encodings);
  const cohere = await limited.post<CohereRerankResponse>('/v1/rerank', { query: QUERY, documents: [DOCUMENT], max_tokens_per_doc: 100 }, auth);
  assert.equal(cohere.status, 200);
  assert.ok(Math.abs(cohere.body.results[0].relevance_score - sigmoid(cutAt8)) < 1e-5, 'the server cap should win over a larger max_tokens_per_doc');
  const [whole] = await reference.score([[QUERY, DOCUMENT]]);
  assert.ok(Math.abs(sigmoid(whole) - sigmoid(cutAt8)) > 1e-4, 'the cut made no difference');

  const tei = await limited.post<TeiRerankResponse>('/rerank', { query: QUERY, texts: [DOCUMENT] }, auth);
  assert.ok(Math.abs(tei.body[0].score - sigmoid(cutAt8)) < 1e-5);
  const refused = await limited.post<ErrorBody>('/rerank', { query: QUERY, texts: ['short one', DOCUMENT], truncate: false }, auth);
  assert.equal(refused.status, 413);
  assert.equal(refused.body.field, 'texts[1]');
  assert.match(refused.body.message, /texts\[1\] is too long: .* the 8 tokens per document allowed, and truncate is false/);
  assert.equal((await limited.post('/rerank', { query: QUERY, texts: ['eight tokens or fewer here'], truncate: false }, auth)).status, 200);
});

test('API keys: Authorization: Bearer, 401 otherwise; /health and /ready stay open', async () => {
  const body = { query: QUERY, texts: ['a'] };
  for (const headers of [{} as Record<string, string>, { authorization: 'Bearer wrong' }, { authorization: 'Basic a2V5LW9uZQ==' }, { authorization: 'key-one' }, { authorization: 'Bearer key-one-and-more' }, { authorization: 'Bearer ' }]) {
    const response = await limited.post<ErrorBody>('/rerank', body, headers);
    assert.equal(response.status, 401, JSON.stringify(headers));
    assert.equal(response.body.field, 'Authorization');
    assert.match(response.body.message, /(missing|invalid) API key: send Authorization: Bearer <key>/);
    assert.equal(response.headers.get('www-authenticate'), 'Bearer');
  }
  assert.equal((await limited.post('/rerank', body, { authorization: 'Bearer key-one' })).status, 200);
  assert.equal((await limited.post('/v2/rerank', { query: QUERY, documents: ['a'] }, { authorization: 'bearer key-two' })).status, 200);
  assert.equal((await limited.get('/health')).status, 200);
  assert.equal((await limited.get('/ready')).status, 200);
  for (const path of ['/info', '/metrics', '/openapi.json']) assert.equal((await limited.get(path)).status, 401, path);
  assert.equal((await limited.get('/info', auth)).status, 200);
});

test('CORS: off by default; with an origin list, preflight and responses carry the headers', async () => {
  const plain = await startServer();
  try {
    const response = await plain.post('/rerank', { query: QUERY, texts: ['a'] }, { origin: 'https://app.example' });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('access-control-allow-origin'), null);
  } finally {
    await plain.app.close();
  }
  const preflight = await fetch(`${limited.url}/rerank`, {
    method: 'OPTIONS',
    headers: { origin: 'https://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
  });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers.get('access-control-allow-origin'), 'https://app.example');
  assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /authorization/);
  const allowed = await limited.post('/rerank', { query: QUERY, texts: ['a'] }, { ...auth, origin: 'https://app.example' });
  assert.equal(allowed.headers.get('access-control-allow-origin'), 'https://app.example');
  const other = await limited.post('/rerank', { query: QUERY, texts: ['a'] }, { ...auth, origin: 'https://evil.example' });
  assert.equal(other.headers.get('access-control-allow-origin'), null);
});

test('a full queue answers 429 with Retry-After', async () => {
  // A long window keeps the first request waiting in the queue, so the second finds it full.
  const small = await startServer({ config: { maxQueue: 1, batchWindowMs: 400 } });
  try {
    const responses = await Promise.all([0, 1, 2].map((i) => small.post<ErrorBody>('/rerank', { query: QUERY, texts: [`document ${i}`] })));
    const statuses = responses.map((r) => r.status).sort();
    assert.deepEqual(statuses, [200, 429, 429]);
    for (const busy of responses.filter((r) => r.status === 429)) {
      assert.match(busy.body.message, /busy/);
      assert.match(busy.headers.get('retry-after') ?? '', /^[1-9]\d*$/);
    }
    // Once the queue has drained, requests are taken again.
    assert.equal((await small.post('/rerank', { query: QUERY, texts: ['again'] })).status, 200);
  } finally {
    await small.app.close();
  }
});

test('request timeout: 503 with Retry-After, and the request leaves the queue', async () => {
  const slow = await startServer({ config: { requestTimeoutMs: 100, batchWindowMs: 500 } });
  try {
    const response = await slow.post<ErrorBody>('/v1/rerank', { query: QUERY, documents: ['a', 'b'] });
    assert.equal(response.status, 503);
    assert.match(response.body.message, /not answered within 100 ms \(request timeout\)/);
    assert.match(response.headers.get('retry-after') ?? '', /^\d+$/);
    const metrics = (await slow.get<string>('/metrics')).body;
    assert.match(metrics, /\ncrossrank_queue_depth 0\n/);
    assert.match(metrics, /\ncrossrank_pairs_scored_total 0\n/, 'a timed-out request was scored all the same');
  } finally {
    await slow.app.close();
  }
});

test('closing the app finishes requests in flight, then refuses connections', async () => {
  const closing = await startServer({ config: { batchWindowMs: 300 } });
  const inFlight = closing.post<TeiRerankResponse>('/rerank', { query: QUERY, texts: ['a', 'b', 'c'] });
  await new Promise((resolve) => setTimeout(resolve, 100)); // the request is waiting in the queue
  const closed = closing.app.close();
  const response = await inFlight;
  assert.equal(response.status, 200);
  assert.equal(response.body.length, 3);
  await closed;
  await assert.rejects(fetch(`${closing.url}/health`), /fetch failed/);
});

test('a model that fails to load: /health up, /ready and rerank 503 naming the problem', async () => {
  const app = await buildApp({ model: '/nonexistent/model-dir' });
  await app.listen({ host: '127.0.0.1', port: 0 });
  try {
    await assert.rejects(app.crossrank.ready, /does not exist/);
    const health = await app.inject({ method: 'GET', url: '/health' });
    assert.equal(health.statusCode, 200);
    const ready = await app.inject({ method: 'GET', url: '/ready' });
    assert.equal(ready.statusCode, 503);
    assert.match(ready.json<{ message: string }>().message, /the model failed to load: .*does not exist/);
    const rerank = await app.inject({ method: 'POST', url: '/rerank', payload: { query: 'q', texts: ['a'] } });
    assert.equal(rerank.statusCode, 503);
    assert.match(rerank.json<ErrorBody>().message, /the model failed to load/);
  } finally {
    await app.close();
  }
});
