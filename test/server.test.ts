import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CohereClient, CohereClientV2, CohereError } from 'cohere-ai';
import { CrossEncoder } from '../src/index.js';
import { sigmoid } from '../src/rerank/activation.js';
import { startServer, type TestServer } from './support/server.js';
import { testModel } from './support/testModels.js';
import type { CohereRerankResponse } from '../src/server/routes/cohere.js';
import type { TeiRerankResponse } from '../src/server/routes/tei.js';
import type { ErrorBody } from '../src/server/errors.js';

const QUERY = 'how do I convert images between formats';
const DOCUMENTS = [
  'ImageMagick converts, resizes and edits images from the command line.',
  'A tiny text editor.',
  'The GIMP is an image manipulation program; it reads and writes many formats, including PNG, JPEG, TIFF and WebP.',
  'Berlin has 3.7 million inhabitants.',
  'convert input.png output.jpg',
];
const LONG_DOCUMENT = `${'Tools to view, convert and resize photos, with colour profiles and EXIF metadata. '.repeat(60)}The end.`;

let server: TestServer;
let reference: CrossEncoder; // the engine on the main thread, fp32: what the server's scores must equal

before(async () => {
  server = await startServer({ config: { batchWindowMs: 20 } });
  reference = await CrossEncoder.load((await testModel('tiny-bert')).dir, { variant: 'fp32', threads: 1 });
});
after(async () => {
  await server.app.close();
  await reference.close();
});

function assertClose(actual: number, expected: number, what: string, tolerance = 1e-5): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} vs ${expected}`);
}

test('POST /v1/rerank: Cohere shape, relevance_score = sigmoid(logit), best first, top_n, return_documents', async () => {
  const documents = [DOCUMENTS[0], { text: DOCUMENTS[1], id: 'b', tags: ['x'] }, ...DOCUMENTS.slice(2)];
  const { status, body } = await server.post<CohereRerankResponse>('/v1/rerank', {
    model: 'rerank-english-v3.0',
    query: QUERY,
    documents,
    top_n: 3,
    return_documents: true,
    rank_fields: ['text'], // unknown to this server: ignored
    something_new: { nested: true },
  });
  assert.equal(status, 200);
  assert.match(body.id, /^[0-9a-f-]{36}$/);
  assert.deepEqual(body.meta, { api_version: { version: '1' }, billed_units: { search_units: 1 } });
  const logits = await reference.score(DOCUMENTS.map((d) => [QUERY, d]));
  const expectedOrder = logits.map((_, i) => i).sort((a, b) => logits[b] - logits[a]);
  assert.deepEqual(body.results.map((r) => r.index), expectedOrder.slice(0, 3));
  for (const result of body.results) {
    assertClose(result.relevance_score, sigmoid(logits[result.index]), `document ${result.index}`);
    assert.ok(result.relevance_score >= 0 && result.relevance_score <= 1);
    // Strings come back as { text }; objects as they were sent.
    assert.deepEqual(result.document, typeof documents[result.index] === 'string' ? { text: documents[result.index] } : documents[result.index]);
  }
  assert.ok(Math.max(...logits) - Math.min(...logits) > 0.05, 'scores too close to tell an order');

  const all = await server.post<CohereRerankResponse>('/v1/rerank', { query: QUERY, documents: DOCUMENTS });
  assert.equal(all.body.results.length, DOCUMENTS.length);
  assert.ok(all.body.results.every((r) => r.document === undefined));
  const over = await server.post<CohereRerankResponse>('/v1/rerank', { query: QUERY, documents: DOCUMENTS, top_n: 50 });
  assert.equal(over.body.results.length, DOCUMENTS.length);
});

test('POST /v2/rerank: Cohere v2, max_tokens_per_doc cuts each document', async () => {
  const full = await server.post<CohereRerankResponse>('/v2/rerank', { model: 'rerank-v3.5', query: QUERY, documents: [LONG_DOCUMENT, DOCUMENTS[0]] });
  assert.equal(full.status, 200);
  assert.equal(full.body.meta.api_version.version, '2');
  const cut = await server.post<CohereRerankResponse>('/v2/rerank', { model: 'rerank-v3.5', query: QUERY, documents: [LONG_DOCUMENT, DOCUMENTS[0]], max_tokens_per_doc: 4 });
  assert.equal(cut.status, 200);
  const byIndex = (r: CohereRerankResponse) => Object.fromEntries(r.results.map((x) => [x.index, x.relevance_score]));
  const encoded = reference.encodePairs([[QUERY, LONG_DOCUMENT]], { maxDocumentTokens: 4 });
  const [expected] = await reference.scoreEncoded(encoded.encodings);
  assertClose(byIndex(cut.body)[0], sigmoid(expected), 'document cut to 4 tokens');
  assertClose(byIndex(full.body)[0], sigmoid((await reference.score([[QUERY, LONG_DOCUMENT]]))[0]), 'document cut to max_length');
  assert.ok(Math.abs(byIndex(cut.body)[0] - byIndex(full.body)[0]) > 1e-4, 'max_tokens_per_doc made no difference');
});

test('POST /rerank: TEI shape, raw_scores, return_text, truncation_direction, truncate', async () => {
  const logits = await reference.score(DOCUMENTS.map((d) => [QUERY, d]));
  const plain = await server.post<TeiRerankResponse>('/rerank', { query: QUERY, texts: DOCUMENTS });
  assert.equal(plain.status, 200);
  assert.equal(plain.body.length, DOCUMENTS.length);
  plain.body.forEach((r, rank) => {
    assertClose(r.score, sigmoid(logits[r.index]), `text ${r.index}`);
    assert.equal(r.text, undefined);
    if (rank > 0) assert.ok(plain.body[rank - 1].score >= r.score, 'not sorted by score');
  });

  const raw = await server.post<TeiRerankResponse>('/rerank', { query: QUERY, texts: DOCUMENTS, raw_scores: true, return_text: true });
  raw.body.forEach((r) => {
    assertClose(r.score, logits[r.index], `raw ${r.index}`);
    assert.equal(r.text, DOCUMENTS[r.index]);
  });

  const right = await server.post<TeiRerankResponse>('/rerank', { query: QUERY, texts: [LONG_DOCUMENT], raw_scores: true, truncation_direction: 'Right' });
  const left = await server.post<TeiRerankResponse>('/rerank', { query: QUERY, texts: [LONG_DOCUMENT], raw_scores: true, truncation_direction: 'Left' });
  const [expectedLeft] = await reference.scoreEncoded(reference.encodePairs([[QUERY, LONG_DOCUMENT]], { truncationDirection: 'left' }).encodings);
  assertClose(left.body[0].score, expectedLeft, 'Left keeps the end');
  assertClose(right.body[0].score, (await reference.score([[QUERY, LONG_DOCUMENT]]))[0], 'Right keeps the start');
  assert.ok(Math.abs(left.body[0].score - right.body[0].score) > 1e-4, 'the direction made no difference');

  const refused = await server.post<ErrorBody>('/rerank', { query: QUERY, texts: [DOCUMENTS[0], LONG_DOCUMENT], truncate: false });
  assert.equal(refused.status, 413);
  assert.equal(refused.body.field, 'texts[1]');
  assert.match(refused.body.message, /texts\[1\] is too long: .*512 tokens.*truncate is false/);
  const fits = await server.post<TeiRerankResponse>('/rerank', { query: QUERY, texts: DOCUMENTS, truncate: false });
  assert.equal(fits.status, 200);
});

test('two-label model: relevance is P(relevant), raw_scores its log-odds', async () => {
  const twoLabel = await startServer({ model: 'tiny-bert-2label' });
  const engine = await CrossEncoder.load((await testModel('tiny-bert-2label')).dir, { variant: 'fp32', threads: 1 });
  try {
    const probabilities = await engine.score(DOCUMENTS.map((d) => [QUERY, d]));
    const cohere = await twoLabel.post<CohereRerankResponse>('/v1/rerank', { query: QUERY, documents: DOCUMENTS });
    cohere.body.results.forEach((r) => assertClose(r.relevance_score, probabilities[r.index], `P(relevant) ${r.index}`));
    const raw = await twoLabel.post<TeiRerankResponse>('/rerank', { query: QUERY, texts: DOCUMENTS, raw_scores: true });
    raw.body.forEach((r) => assertClose(sigmoid(r.score), probabilities[r.index], `log-odds ${r.index}`));
  } finally {
    await twoLabel.app.close();
    await engine.close();
  }
});

test('GET /health, /ready, /info, /openapi.json', async () => {
  assert.deepEqual((await server.get('/health')).body, { status: 'ok' });
  assert.deepEqual((await server.get('/ready')).body, { status: 'ready' });
  const info = await server.get<Record<string, unknown>>('/info');
  assert.equal(info.status, 200);
  assert.equal(info.body.model_id, (await testModel('tiny-bert')).dir);
  assert.equal(info.body.variant, 'fp32');
  assert.equal(info.body.max_length, 512);
  assert.equal(info.body.num_labels, 1);
  assert.equal(info.body.lexical_weight, 0, 'a model that recommends no weight is served alone');
  assert.equal((info.body.limits as Record<string, unknown>).max_documents, 1000);

  const openapi = await server.get<{ openapi: string; paths: Record<string, unknown>; components: { schemas: Record<string, { properties: Record<string, { maxItems?: number }> }> } }>('/openapi.json');
  assert.equal(openapi.body.openapi, '3.1.0');
  for (const path of ['/v1/rerank', '/v2/rerank', '/rerank', '/health', '/ready', '/info', '/metrics']) assert.ok(openapi.body.paths[path], path);
  // The document shows the schemas the server validates with, limits included.
  assert.equal(openapi.body.components.schemas.TeiRerankRequest.properties.texts.maxItems, 1000);
});

test('GET /metrics: requests by route and status, latency, pairs scored, batch sizes, queue depth', async () => {
  const fresh = await startServer();
  try {
    await fresh.post('/rerank', { query: QUERY, texts: DOCUMENTS });
    await fresh.post('/v1/rerank', { query: QUERY, documents: DOCUMENTS.slice(0, 2) });
    await fresh.post('/v1/rerank', { query: QUERY, documents: [] });
    const metrics = await fresh.get<string>('/metrics');
    assert.equal(metrics.status, 200);
    assert.match(metrics.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = metrics.body;
    const value = (line: string): number => {
      const found = text.split('\n').find((l) => l.startsWith(`${line} `));
      assert.ok(found, `no metric ${line} in:\n${text}`);
      return Number(found.slice(line.length + 1));
    };
    assert.equal(value('crossrank_http_requests_total{method="POST",route="/rerank",status="200"}'), 1);
    assert.equal(value('crossrank_http_requests_total{method="POST",route="/v1/rerank",status="200"}'), 1);
    assert.equal(value('crossrank_http_requests_total{method="POST",route="/v1/rerank",status="422"}'), 1);
    assert.equal(value('crossrank_http_request_duration_seconds_count{route="/rerank"}'), 1);
    // The warm-up batch is not counted: it is not a request.
    assert.equal(value('crossrank_pairs_scored_total'), DOCUMENTS.length + 2);
    assert.equal(value('crossrank_batch_pairs_count'), 2);
    assert.equal(value('crossrank_batch_pairs_sum'), DOCUMENTS.length + 2);
    assert.equal(value('crossrank_batch_requests_count'), 2);
    assert.equal(value('crossrank_queue_depth'), 0);
  } finally {
    await fresh.app.close();
  }
});

test('concurrent requests get the scores they get one at a time, and share batches', async () => {
  const queries = ['convert images', 'text editor for the terminal', 'population of Berlin', 'image formats PNG and JPEG', 'resize photos'];
  const requests = Array.from({ length: 10 }, (_, i) => ({
    query: queries[i % queries.length],
    texts: [...DOCUMENTS.slice(i % 3), LONG_DOCUMENT.slice(0, 200 + 40 * i)],
    raw_scores: true,
  }));
  const sequential: TeiRerankResponse[] = [];
  for (const body of requests) sequential.push((await server.post<TeiRerankResponse>('/rerank', body)).body);
  const before = await batchCounts(server);
  const concurrent = await Promise.all(requests.map((body) => server.post<TeiRerankResponse>('/rerank', body)));
  const afterwards = await batchCounts(server);

  concurrent.forEach((response, i) => {
    assert.equal(response.status, 200);
    const expected = new Map(sequential[i].map((r) => [r.index, r.score]));
    assert.equal(response.body.length, requests[i].texts.length);
    for (const r of response.body) assertClose(r.score, expected.get(r.index)!, `request ${i} text ${r.index}`);
  });
  // The check means something only if requests were in fact scored together.
  const batches = afterwards.count - before.count;
  const batchedRequests = afterwards.sum - before.sum;
  assert.equal(batchedRequests, requests.length);
  assert.ok(batches < requests.length, `${requests.length} concurrent requests took ${batches} batches: none shared`);
});

/** Batches scored, and requests in them, so far. */
async function batchCounts(target: TestServer): Promise<{ count: number; sum: number }> {
  const lines = (await target.get<string>('/metrics')).body.split('\n');
  const read = (name: string): number => Number(lines.find((l) => l.startsWith(`crossrank_batch_requests_${name} `))?.split(' ')[1]);
  return { count: read('count'), sum: read('sum') };
}

test('bad input: a 4xx JSON error naming the field, never a 5xx', async () => {
  const cases: Array<{ path: string; body: unknown; status: number; field: string; message: RegExp; contentType?: string }> = [
    { path: '/v1/rerank', body: '{"query": "q", "documents": ["a",', status: 400, field: 'body', message: /not valid JSON/ },
    { path: '/rerank', body: '', status: 400, field: 'body', message: /body is empty/ },
    { path: '/v1/rerank', body: '[1, 2]', status: 422, field: 'body', message: /body must be an object/ },
    { path: '/v1/rerank', body: '"just a string"', status: 422, field: 'body', message: /body must be an object/ },
    { path: '/v1/rerank', body: { documents: ['a'] }, status: 422, field: 'query', message: /query is required/ },
    { path: '/v1/rerank', body: { query: 'q' }, status: 422, field: 'documents', message: /documents is required/ },
    { path: '/v1/rerank', body: { query: 42, documents: ['a'] }, status: 422, field: 'query', message: /query must be a string/ },
    { path: '/v1/rerank', body: { query: null, documents: ['a'] }, status: 422, field: 'query', message: /query must be a string/ },
    { path: '/v1/rerank', body: { query: '', documents: ['a'] }, status: 422, field: 'query', message: /query is empty/ },
    { path: '/v1/rerank', body: { query: ' \t\n', documents: ['a'] }, status: 422, field: 'query', message: /query is empty/ },
    { path: '/v1/rerank', body: { query: 'q', documents: 'a' }, status: 422, field: 'documents', message: /documents must be an array/ },
    { path: '/v1/rerank', body: { query: 'q', documents: [] }, status: 422, field: 'documents', message: /documents is empty/ },
    { path: '/v1/rerank', body: { query: 'q', documents: ['a', { title: 'no text' }] }, status: 422, field: 'documents[1]', message: /string or an object with a string "text" field/ },
    { path: '/v1/rerank', body: { query: 'q', documents: ['a', { text: 7 }] }, status: 422, field: 'documents[1]', message: /string or an object/ },
    { path: '/v1/rerank', body: { query: 'q', documents: [null] }, status: 422, field: 'documents[0]', message: /string or an object/ },
    { path: '/v1/rerank', body: { query: 'q', documents: ['a'], top_n: 0 }, status: 422, field: 'top_n', message: /top_n must be at least 1/ },
    { path: '/v1/rerank', body: { query: 'q', documents: ['a'], top_n: '2' }, status: 422, field: 'top_n', message: /top_n must be an integer/ },
    { path: '/v1/rerank', body: { query: 'q', documents: ['a'], top_n: 1.5 }, status: 422, field: 'top_n', message: /top_n must be an integer/ },
    { path: '/v2/rerank', body: { query: 'q', documents: ['a'], return_documents: 'yes' }, status: 422, field: 'return_documents', message: /true or false/ },
    { path: '/v2/rerank', body: { query: 'q', documents: ['a'], max_tokens_per_doc: -1 }, status: 422, field: 'max_tokens_per_doc', message: /at least 1/ },
    { path: '/rerank', body: { query: 'q' }, status: 422, field: 'texts', message: /texts is required/ },
    { path: '/rerank', body: { query: 'q', texts: ['a', 3] }, status: 422, field: 'texts[1]', message: /texts\[1\] must be a string/ },
    { path: '/rerank', body: { query: 'q', texts: ['a'], raw_scores: 1 }, status: 422, field: 'raw_scores', message: /true or false/ },
    { path: '/rerank', body: { query: 'q', texts: ['a'], truncation_direction: 'Up' }, status: 422, field: 'truncation_direction', message: /one of "Right", "Left"/ },
    { path: '/rerank', body: '{"__proto__": {"polluted": true}, "query": "q", "texts": ["a"]}', status: 400, field: 'body', message: /__proto__/ },
    { path: '/rerank', body: 'query=q&texts=a', status: 415, field: 'Content-Type', message: /application\/json/, contentType: 'application/x-www-form-urlencoded' },
    { path: '/rerank', body: '{"query": "q", "texts": ["a"]}', status: 415, field: 'Content-Type', message: /application\/json/, contentType: 'text/plain' },
  ];
  for (const c of cases) {
    const response = await server.post<ErrorBody>(c.path, c.body, c.contentType ? { 'content-type': c.contentType } : {});
    const what = `${c.path} ${typeof c.body === 'string' ? c.body : JSON.stringify(c.body)}`;
    assert.equal(response.status, c.status, `${what}: ${JSON.stringify(response.body)}`);
    assert.equal(response.body.field, c.field, what);
    assert.match(response.body.message, c.message, what);
    assert.doesNotMatch(response.body.message, /\n/, 'one line');
  }
  const missing = await server.get<ErrorBody>('/v3/rerank');
  assert.equal(missing.status, 404);
  assert.match(missing.body.message, /no route GET \/v3\/rerank/);
  // The server is unharmed.
  assert.equal((await server.post('/rerank', { query: 'q', texts: ['a'] })).status, 200);
});

test('unicode edge cases and huge strings are scored, and come back exactly as sent', async () => {
  const texts = [
    'emoji 🚀🔥 and ZWJ families 👩‍👩‍👧 and flags 🇩🇪',
    'combining marks: e\u0301 a\u0308 o\u0302\u0323 Z\u0351\u0352\u0353',
    'RTL: مرحبا بالعالم שלום עולם',
    'NUL \u0000 in the middle, and other controls \u0001\u001f\u007f',
    'lone surrogates \ud800 and \udfff, reversed pair \udc00\ud800',
    '',
    '\u200b\u200d\ufeff zero-width and BOM',
    `${'x'.repeat(300_000)} one enormous word, then ${'many words '.repeat(30_000)}`,
  ];
  for (const query of ['emoji query 🚀', 'q \ud83d', 'שלום']) {
    const response = await server.post<TeiRerankResponse>('/rerank', { query, texts, return_text: true });
    assert.equal(response.status, 200, JSON.stringify(response.body).slice(0, 200));
    assert.equal(response.body.length, texts.length);
    for (const r of response.body) {
      assert.ok(Number.isFinite(r.score) && r.score >= 0 && r.score <= 1, `score ${r.score}`);
      assert.equal(r.text, texts[r.index]);
    }
  }
  const cohere = await server.post<CohereRerankResponse>('/v1/rerank', { query: 'q\u0000', documents: texts.map((text) => ({ text })), return_documents: true });
  assert.equal(cohere.status, 200);
  cohere.body.results.forEach((r) => assert.deepEqual(r.document, { text: texts[r.index] }));
});

test('the official cohere-ai SDK works unchanged against the server (v1 and v2 clients, with an API key)', async () => {
  const keyed = await startServer({ config: { apiKeys: ['sdk-key'] } });
  try {
    const logits = await reference.score(DOCUMENTS.map((d) => [QUERY, d]));
    const v1 = new CohereClient({ token: 'sdk-key', environment: keyed.url });
    const first = await v1.rerank({ query: QUERY, documents: DOCUMENTS.map((text) => ({ text })), topN: 2, returnDocuments: true });
    assert.equal(first.results.length, 2);
    for (const r of first.results) {
      assertClose(r.relevanceScore, sigmoid(logits[r.index]), `v1 ${r.index}`);
      assert.equal(r.document?.text, DOCUMENTS[r.index]);
    }
    assert.equal(first.meta?.apiVersion?.version, '1');

    const v2 = new CohereClientV2({ token: 'sdk-key', environment: keyed.url });
    const second = await v2.rerank({ model: 'rerank-v3.5', query: QUERY, documents: DOCUMENTS, maxTokensPerDoc: 512 });
    assert.deepEqual(
      second.results.map((r) => r.index),
      logits.map((_, i) => i).sort((a, b) => logits[b] - logits[a]),
    );
    assert.equal(second.meta?.billedUnits?.searchUnits, 1);

    const wrongKey = new CohereClientV2({ token: 'not-the-key', environment: keyed.url });
    await assert.rejects(wrongKey.rerank({ model: 'm', query: QUERY, documents: DOCUMENTS }), (error: unknown) => {
      assert.ok(error instanceof CohereError);
      assert.equal(error.statusCode, 401);
      return true;
    });
  } finally {
    await keyed.app.close();
  }
});
