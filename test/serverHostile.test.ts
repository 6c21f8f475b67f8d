import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import type { ErrorBody } from '../src/server/errors.js';
import { startServer, type TestServer } from './support/server.js';
import { serve } from './support/serveProcess.js';
import { testModel } from './support/testModels.js';

// The findings of issue #11, each reproduced against the real server on loopback, with short
// timeouts configured where the real defaults are long.

let server: TestServer;
let port: number;

before(async () => {
  server = await startServer({ config: { bodyTimeoutMs: 300, requestTimeoutMs: 300, apiKeys: ['k'], maxJsonDepth: 64 } });
  port = Number(new URL(server.url).port);
});
after(async () => {
  await server.app.close();
});

const auth = { authorization: 'Bearer k' };

interface RawExchange {
  /** What the server sent before it closed the connection. */
  text: string;
  /** Milliseconds from the first byte sent to the connection's close. */
  closedAfterMs: number;
}

/** Sends `head` on a fresh connection, then nothing: resolves when the server closes it (or rejects after `giveUpMs`). */
function sendAndWaitForClose(head: string, giveUpMs = 5000): Promise<RawExchange> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, '127.0.0.1');
    const started = performance.now();
    let text = '';
    const giveUp = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server kept the connection open for ${giveUpMs} ms; got ${JSON.stringify(text)}`));
    }, giveUpMs);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(giveUp);
      resolve({ text, closedAfterMs: performance.now() - started });
    });
    socket.write(head);
  });
}

const statusOf = (exchange: RawExchange): number => Number(/^HTTP\/1\.1 (\d{3})/.exec(exchange.text)?.[1]);
const bodyOf = (exchange: RawExchange): ErrorBody => JSON.parse(exchange.text.slice(exchange.text.indexOf('\r\n\r\n') + 4)) as ErrorBody;

async function requestCount(status: string): Promise<number> {
  const metrics = (await server.get<string>('/metrics', auth)).body;
  let total = 0;
  for (const line of metrics.split('\n')) if (line.startsWith('crossrank_http_requests_total{') && line.includes(`status="${status}"`)) total += Number(line.split(' ').pop());
  return total;
}

test('finding 1: a body that never comes gets 408 and a closed socket, on time', async () => {
  const before408 = await requestCount('408');
  const stalled = await sendAndWaitForClose(
    'POST /rerank HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer k\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{',
  );
  assert.equal(statusOf(stalled), 408, stalled.text);
  assert.match(bodyOf(stalled).message, /body timeout/);
  // 300 ms timeout, checked every 30 ms
  assert.ok(stalled.closedAfterMs >= 250 && stalled.closedAfterMs < 1000, `closed after ${stalled.closedAfterMs} ms`);
  // headers that never end: the same timeout
  const slowHeaders = await sendAndWaitForClose('POST /rerank HTTP/1.1\r\nHost: x\r\n');
  assert.equal(statusOf(slowHeaders), 408, slowHeaders.text);
  assert.ok(slowHeaders.closedAfterMs < 1000, `closed after ${slowHeaders.closedAfterMs} ms`);
  assert.equal((await requestCount('408')) - before408, 2, 'both counted');
});

test('finding 1: a request refused before its body is read (401, 413 by Content-Length, 429) closes at once', async () => {
  const unauthenticated = await sendAndWaitForClose('POST /rerank HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{');
  assert.equal(statusOf(unauthenticated), 401, unauthenticated.text);
  assert.ok(unauthenticated.closedAfterMs < 200, `401 closed after ${unauthenticated.closedAfterMs} ms`);
  const tooLarge = await sendAndWaitForClose(
    'POST /rerank HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer k\r\nContent-Type: application/json\r\nContent-Length: 9000000\r\n\r\n{',
  );
  assert.equal(statusOf(tooLarge), 413, tooLarge.text);
  assert.equal(bodyOf(tooLarge).field, 'body');
  assert.ok(tooLarge.closedAfterMs < 200, `413 closed after ${tooLarge.closedAfterMs} ms`);
  // A request whose body was read keeps its connection.
  const answered = await fetch(`${server.url}/rerank`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{"query":"q","texts":["a"]}' });
  assert.equal(answered.headers.get('connection'), 'keep-alive');
  await answered.text();
});

test('finding 1: shutdown closes a stalled client after the grace period instead of waiting for it', async () => {
  const graceful = await startServer({ config: { bodyTimeoutMs: 60_000, shutdownGraceMs: 200 } });
  const stalled = new Promise<number>((resolve) => {
    const socket = connect(Number(new URL(graceful.url).port), '127.0.0.1');
    socket.on('error', () => {});
    socket.on('close', () => resolve(performance.now()));
    socket.write('POST /rerank HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{');
  });
  await sleep(100);
  const closing = performance.now();
  await graceful.app.close();
  const closedAfter = performance.now() - closing;
  assert.ok(closedAfter >= 150 && closedAfter < 2000, `close() took ${closedAfter} ms`);
  assert.ok((await stalled) - closing < 2000);
});

test('finding 2: /health and /ready answer within 100 ms while 8 requests of one 2 MB punctuation document each are scored', async () => {
  // In its own process: a client in this one would share the event loop it measures.
  const big = await serve(['--model', (await testModel('tiny-bert')).dir, '--variant', 'fp32', '--threads', '1', '--port', '0']);
  try {
    const body = JSON.stringify({ query: 'q', documents: ['.'.repeat(1_990_000)] });
    const heavy = Array.from({ length: 8 }, () => fetch(`${big.url}/v1/rerank`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }));
    const latencies: number[] = [];
    let done = false;
    const all = Promise.all(heavy).then(async (responses) => {
      done = true;
      return Promise.all(responses.map(async (r) => ({ status: r.status, text: await r.text() })));
    });
    while (!done || latencies.length < 10) {
      for (const path of ['/health', '/ready']) {
        const t0 = performance.now();
        assert.equal((await fetch(`${big.url}${path}`)).status, 200);
        latencies.push(performance.now() - t0);
      }
      await sleep(5);
    }
    for (const response of await all) assert.equal(response.status, 200, response.text);
    // The median, and a loose maximum: the test suite runs files in parallel on shared cores, which
    // stall any process now and then. Before the fix the server itself stalled for seconds at a
    // time; bench/soak.ts measures the p99 on a quiet machine.
    latencies.sort((a, b) => a - b);
    const median = latencies[Math.floor(latencies.length / 2)];
    const worst = latencies[latencies.length - 1];
    assert.ok(median < 100 && worst < 2000, `${latencies.length} probes: median ${median.toFixed(1)} ms, slowest ${worst.toFixed(1)} ms`);
  } finally {
    big.child.kill('SIGKILL');
  }
});

test('finding 2: a health check is answered soon after 200 clients send large bodies at once and leave', async () => {
  // Node accepts one connection per event-loop iteration: while each iteration also parsed or
  // encoded a large body, the health check's connection waited in the kernel's queue behind the
  // others (2-3 s for 100 such clients in bench/soak.ts, a "dead server"). In its own process, as above.
  const big = await serve(['--model', (await testModel('tiny-bert')).dir, '--variant', 'fp32', '--threads', '1', '--port', '0']);
  try {
    const words = 'relevant passage about reranking retrieval engines with cross encoders'.split(' ');
    const body = JSON.stringify({ query: 'q', texts: Array.from({ length: 200 }, (_, i) => Array.from({ length: 300 }, (_, w) => words[(w + i) % words.length]).join(' ')) });
    const payload = Buffer.from(`POST /rerank HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    const bigPort = Number(new URL(big.url).port);
    const sockets = Array.from({ length: 200 }, (_, i) => {
      const socket = connect(bigPort, '127.0.0.1');
      socket.on('error', () => {});
      socket.write(payload);
      setTimeout(() => socket.destroy(), 20 + (i % 30)).unref();
      return socket;
    });
    await sleep(100);
    const latencies: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      const response = await fetch(`${big.url}/health`, { signal: AbortSignal.timeout(10_000) });
      assert.equal(response.status, 200);
      latencies.push(performance.now() - t0);
      await sleep(20);
    }
    for (const socket of sockets) socket.destroy();
    latencies.sort((a, b) => a - b);
    const worst = latencies[latencies.length - 1];
    assert.ok(worst < 1500, `20 probes: median ${latencies[10].toFixed(1)} ms, slowest ${worst.toFixed(1)} ms`);
  } finally {
    big.child.kill('SIGKILL');
  }
});

test('findings 3 and 4: a body nested 6,000 deep is a 400 naming the body; escaped __proto__ keys are refused', async () => {
  const deep = `{"query":"a","documents":[{"text":"b","m":${'['.repeat(6000)}1${']'.repeat(6000)}}],"return_documents":true}`;
  const refused = await server.post<ErrorBody>('/v1/rerank', deep, auth);
  assert.equal(refused.status, 400, JSON.stringify(refused.body));
  assert.equal(refused.body.field, 'body');
  assert.match(refused.body.message, /nested deeper than 64 levels/);
  // Within the limit, the nested metadata comes back as sent.
  const nested = { text: 'b', m: JSON.parse(`${'['.repeat(60)}1${']'.repeat(60)}`) as unknown };
  const echoed = await server.post<{ results: Array<{ document: unknown }> }>('/v1/rerank', { query: 'a', documents: [nested], return_documents: true }, auth);
  assert.equal(echoed.status, 200);
  assert.deepEqual(echoed.body.results[0].document, nested);
  // brackets inside strings are not nesting
  assert.equal((await server.post('/rerank', { query: '[[[[', texts: ['{'.repeat(5000)] }, auth)).status, 200);

  for (const key of ['\\u005f_proto__', '__pro\\u0074o__', '\\u005F\\u005Fproto\\u005F\\u005F']) {
    const response = await server.post<ErrorBody>('/v1/rerank', `{"query":"q","documents":[{"text":"a","${key}":{"x":1}}],"return_documents":true}`, auth);
    assert.equal(response.status, 400, `${key}: ${JSON.stringify(response.body)}`);
    assert.match(response.body.message, /__proto__/);
  }
  const constructor = await server.post<ErrorBody>('/rerank', '{"query":"q","texts":["a"],"constructor":{"prototype":{"x":1}}}', auth);
  assert.equal(constructor.status, 400);
  assert.match(constructor.body.message, /constructor\.prototype/);
  // The words themselves in a text are fine.
  assert.equal((await server.post('/rerank', { query: '__proto__ constructor \\u005f', texts: ['__proto__'] }, auth)).status, 200);
});

test('findings 3 and 4: generated malformed bodies never get a 5xx', async () => {
  const json = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constantFrom('null', 'true', '1', '-0.5e3', '"x"', '"\\u005f_proto__"', '"\\ud800"'),
      fc.array(tie('value'), { maxLength: 3 }).map((items) => `[${items.join(',')}]`),
      fc
        .array(fc.tuple(fc.constantFrom('query', 'documents', 'texts', 'text', 'top_n', 'return_documents', '__proto__', '\\u005f_proto__', 'constructor', 'prototype'), tie('value')), { maxLength: 4 })
        .map((fields) => `{${fields.map(([k, v]) => `"${k}":${v}`).join(',')}}`),
    ),
  }));
  const mangle = fc.tuple(json.value, fc.nat(), fc.constantFrom('', '[', '}', '"', ']]]]', '\u0000', ',')).map(([text, at, junk]) => {
    const cut = at % (text.length + 1);
    return text.slice(0, cut) + junk + text.slice(cut);
  });
  const statuses = new Map<number, number>();
  await fc.assert(
    fc.asyncProperty(fc.oneof(json.value, mangle), fc.constantFrom('/v1/rerank', '/v2/rerank', '/rerank'), async (body, path) => {
      const response = await server.post(path, body, auth);
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      assert.ok(response.status < 500, `${path} ${body}: ${response.status} ${JSON.stringify(response.body)}`);
    }),
    { numRuns: 300, seed: 1104 },
  );
  assert.ok((statuses.get(400) ?? 0) > 20 && (statuses.get(422) ?? 0) > 20, JSON.stringify([...statuses]));
});

test('finding 6: aborted requests are counted as 499, and are not scored; every request is counted', async () => {
  const slow = await startServer({ config: { batchWindowMs: 1000 } });
  try {
    const count = async (status: string): Promise<number> => {
      const text = (await slow.get<string>('/metrics')).body;
      return text
        .split('\n')
        .filter((line) => line.startsWith('crossrank_http_requests_total{') && line.includes('route="/rerank"') && line.includes(`status="${status}"`))
        .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
    };
    // 20 clients send a whole request, wait in the queue's batch window, and go away.
    const body = '{"query":"q","texts":["a","b"]}';
    const sockets = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const socket = connect(Number(new URL(slow.url).port), '127.0.0.1');
        socket.on('error', () => {});
        await new Promise<void>((resolve) => socket.write(`POST /rerank HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`, () => resolve()));
        return socket;
      }),
    );
    await sleep(300);
    for (const socket of sockets) socket.destroy();
    const answered = await Promise.all(Array.from({ length: 5 }, () => slow.post('/rerank', { query: 'q', texts: ['a'] })));
    assert.deepEqual(answered.map((r) => r.status), [200, 200, 200, 200, 200]);
    await sleep(200);
    assert.equal(await count('499'), 20);
    assert.equal(await count('200'), 5);
    // Only the answered requests' pairs were scored.
    const pairs = Number(/\ncrossrank_pairs_scored_total (\d+)/.exec((await slow.get<string>('/metrics')).body)?.[1]);
    assert.equal(pairs, 5);
  } finally {
    await slow.app.close();
  }
});

test('finding 6: a request timeout fires on time while the server is busy', async () => {
  // 40 requests that each take a while to encode: before the fix, a timer waited for a slice of
  // every one of them (seconds), or never fired (a timeout signal combined with AbortSignal.any
  // can be garbage-collected: then all 40 ran to a 200 after 4-7 s). Now it waits for one slice
  // and for the requests that arrived together. Margins are wide: the suite shares 2 cores.
  const timeoutMs = 1000;
  const busy = await serve(['--model', (await testModel('tiny-bert')).dir, '--variant', 'fp32', '--threads', '1', '--port', '0', '--request-timeout-ms', String(timeoutMs)]);
  try {
    const document = 'relevant passage about reranking and retrieval '.repeat(40);
    const body = JSON.stringify({ query: 'q', texts: Array.from({ length: 100 }, () => document) });
    const timed = await Promise.all(
      Array.from({ length: 40 }, async () => {
        const t0 = performance.now();
        const response = await fetch(`${busy.url}/rerank`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        await response.text();
        return { status: response.status, ms: performance.now() - t0 };
      }),
    );
    const times = timed.filter((r) => r.status === 503).map((r) => r.ms).sort((a, b) => a - b);
    assert.ok(times.length >= 10, JSON.stringify(timed));
    const median = times[Math.floor(times.length / 2)];
    assert.ok(median < timeoutMs + 700 && times[times.length - 1] < timeoutMs + 1500, `a ${timeoutMs} ms timeout answered after ${times.map((t) => t.toFixed(0)).join(', ')} ms`);
  } finally {
    busy.child.kill('SIGKILL');
  }
});

test('finding 5: a full queue refuses before the body is read, and the refusals are sampled in the log', async () => {
  const lines: Array<{ level: number; msg: string; statusCode?: number }> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line) as (typeof lines)[number]);
      done();
    },
  });
  const small = await startServer({ config: { maxQueue: 1, batchWindowMs: 400 }, logger: { level: 'info', stream } });
  try {
    const first = small.post('/rerank', { query: 'q', texts: ['a'] });
    await sleep(100);
    // the queue is full: refused on its headers, its body never needed
    const refused = await sendAndWaitForCloseOn(Number(new URL(small.url).port), 'POST /rerank HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{');
    assert.equal(statusOf(refused), 429, refused.text);
    assert.match(refused.text, /retry-after: \d+/i);
    assert.ok(refused.closedAfterMs < 200, `closed after ${refused.closedAfterMs} ms`);
    const flood = await Promise.all(Array.from({ length: 30 }, () => small.post('/rerank', { query: 'q', texts: ['a'] })));
    assert.equal(flood.filter((r) => r.status === 429).length, 30);
    assert.equal((await first).status, 200);
    const refusalLines = lines.filter((line) => line.statusCode === 429);
    assert.ok(refusalLines.length >= 1 && refusalLines.length <= 2, `${refusalLines.length} log lines for 31 refusals`);
    assert.match(refusalLines[0].msg, /request refused \(429\)/);
    assert.equal(lines.filter((line) => line.statusCode === 200 && line.msg === 'request completed').length, 1);
  } finally {
    await small.app.close();
  }
});

function sendAndWaitForCloseOn(onPort: number, head: string): Promise<RawExchange> {
  const saved = port;
  port = onPort;
  try {
    return sendAndWaitForClose(head);
  } finally {
    port = saved;
  }
}
