/**
 * Soak and chaos on `crossrank serve` (issue #11): a hostile network client and overload, on
 * 127.0.0.1 only, bounded in count and time; it stops by itself. Each round runs, in order:
 *   malformed  generated request bodies (a JSON grammar with fast-check, then mangled)
 *   slow       clients that send headers and part of a body, then nothing
 *   aborted    clients that go away before the answer
 *   8 x 2 MB   8 requests of one 2 MB punctuation document each (5 times)
 *   clients    1, 8, 32 and 128 clients that ignore Retry-After, for --phase-seconds each
 * then, once, SIGTERM under load. Round 0 warms up and is left out of the tables; its RSS is
 * the memory baseline. /health is probed every 20 ms throughout; the server's RSS and V8 heap
 * are read 5 s after each round. Prints Markdown tables; raw numbers go to bench/results/.
 *
 *   npx tsx bench/soak.ts [--rounds 3] [--phase-seconds 5] [--malformed 500] [--slow 200]
 *                         [--aborts 100] [--clients 1,8,32,128] [--documents 20] [--body-timeout-ms 2000] [--threads N]
 *                         [--load-nice 10]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import { ensureTestModel } from '../scripts/model-gen/ensureTestModel.js';
import type { LoadResult } from './soakClients.js';
import { percentile } from './stats.js';

/** The p-th percentile (0-100, nearest rank) of unsorted samples. */
const quantile = (samples: number[], p: number): number => (samples.length === 0 ? Number.NaN : percentile([...samples].sort((a, b) => a - b), p));

const repoRoot = fileURLToPath(new URL('../', import.meta.url));
const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    'phase-seconds': { type: 'string', default: '5' },
    malformed: { type: 'string', default: '500' },
    slow: { type: 'string', default: '200' },
    aborts: { type: 'string', default: '100' },
    clients: { type: 'string', default: '1,8,32,128' },
    documents: { type: 'string', default: '20' },
    'body-timeout-ms': { type: 'string', default: '2000' },
    threads: { type: 'string' },
    'load-nice': { type: 'string', default: '10' },
  },
});
/** The niceness of the client load's process (0: the same priority as the server). */
const loadNice = Number(args['load-nice']);
const rounds = Number(args.rounds);
const phaseMs = Number(args['phase-seconds']) * 1000;
const clientLevels = args.clients!.split(',').map(Number);
const bodyTimeoutMs = Number(args['body-timeout-ms']);

interface Server {
  child: ChildProcess;
  url: string;
  port: number;
  logBytes: () => number;
}

function startServer(modelDir: string): Promise<Server> {
  const flags = ['--model', modelDir, '--port', '0', '--variant', 'fp32', '--log-level', 'info', '--body-timeout-ms', String(bodyTimeoutMs), '--shutdown-grace-ms', '3000'];
  if (args.threads) flags.push('--threads', args.threads);
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'src/cli/main.ts'), 'serve', ...flags], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
  let log = '';
  let bytes = 0;
  return new Promise((resolve, reject) => {
    let url = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (url) return;
      log += chunk.toString();
      url = /Server listening at (http:\/\/[^"]+)/.exec(log)?.[1] ?? '';
    });
    const ready = async (): Promise<void> => {
      while (!url || (await fetch(`${url}/ready`).then((r) => r.status).catch(() => 0)) !== 200) await sleep(100);
      resolve({ child, url, port: Number(new URL(url).port), logBytes: () => bytes });
    };
    void ready();
    child.on('exit', (code) => reject(new Error(`server exited with ${code}:\n${log}`)));
  });
}

/**
 * /health every 20 ms from a worker thread (its own event loop: the load this process generates
 * must not delay the probe), each on a new connection; latencies are sorted into phases by time.
 * A probe without an answer in 2 s, while the server should be up, counts as a dead server.
 */
class HealthProbe {
  private readonly phases: Array<{ name: string; from: number }> = [{ name: 'idle', from: Date.now() }];
  private readonly samples: Array<{ at: number; ms: number | null }> = [];
  private readonly worker: Worker;

  constructor(port: number) {
    const code = `
      const { parentPort, workerData } = require('node:worker_threads');
      const http = require('node:http');
      let running = true;
      parentPort.on('message', () => { running = false; });
      const probe = () => new Promise((resolve) => {
        const started = performance.now();
        const request = http.get({ host: '127.0.0.1', port: workerData.port, path: '/health', agent: false, timeout: 2000 }, (response) => {
          response.resume();
          response.on('end', () => resolve(response.statusCode === 200 ? performance.now() - started : null));
        });
        request.on('timeout', () => { request.destroy(); });
        request.on('error', () => resolve(null));
      });
      (async () => {
        while (running) {
          const at = Date.now();
          const ms = await probe();
          parentPort.postMessage({ at, ms });
          await new Promise((r) => setTimeout(r, 20));
        }
        parentPort.postMessage('done');
      })();`;
    this.worker = new Worker(code, { eval: true, workerData: { port } });
    this.worker.on('message', (message: { at: number; ms: number | null } | 'done') => {
      if (message !== 'done') this.samples.push(message);
    });
  }

  set phase(name: string) {
    this.phases.push({ name, from: Date.now() });
  }

  /** Stops probing; resolves once the last probe has reported. */
  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.worker.on('message', (message) => {
        if (message === 'done') void this.worker.terminate().then(() => resolve());
      });
      this.worker.postMessage('stop');
    });
  }

  /** Latencies by phase, and probes unanswered before `upUntil` (the server should have been up). */
  results(upUntil: number): { latencies: Map<string, number[]>; dead: number; deadIn: Map<string, number> } {
    const latencies = new Map<string, number[]>();
    const deadIn = new Map<string, number>();
    let dead = 0;
    for (const { at, ms } of this.samples) {
      const phase = [...this.phases].reverse().find((p) => p.from <= at)?.name ?? 'idle';
      if (ms === null) {
        if (at < upUntil) {
          dead++;
          deadIn.set(phase, (deadIn.get(phase) ?? 0) + 1);
        }
        continue;
      }
      latencies.set(phase, [...(latencies.get(phase) ?? []), ms]);
    }
    return { latencies, dead, deadIn };
  }
}

function statusCounter(): { add(status: number): void; counts: Map<number, number>; fiveHundreds(): number } {
  const counts = new Map<number, number>();
  return {
    counts,
    add: (status) => counts.set(status, (counts.get(status) ?? 0) + 1),
    fiveHundreds: () => [...counts].filter(([s]) => s >= 500 && s !== 503).reduce((n, [, c]) => n + c, 0),
  };
}

/** Malformed bodies: JSON values from a small grammar around the API's fields, some then mangled. */
function malformedBodies(count: number, seed: number): string[] {
  const value = fc.letrec((tie) => ({
    node: fc.oneof(
      { depthSize: 'small' },
      fc.constantFrom('null', 'true', '0', '-1', '1e999', '"q"', '""', '"\\u005f_proto__"', '"\\ud800"', '"\\u0000"'),
      fc.array(tie('node'), { maxLength: 4 }).map((items) => `[${items.join(',')}]`),
      fc
        .array(fc.tuple(fc.constantFrom('query', 'documents', 'texts', 'text', 'top_n', 'return_documents', 'truncate', 'raw_scores', 'max_tokens_per_doc', '__proto__', '\\u005f_proto__', 'constructor'), tie('node')), { maxLength: 5 })
        .map((fields) => `{${fields.map(([k, v]) => `"${k}":${v}`).join(',')}}`),
    ),
  }));
  const deep = fc.integer({ min: 50, max: 20_000 }).map((n) => `{"query":"q","documents":[{"text":"t","m":${'['.repeat(n)}1${']'.repeat(n)}}],"return_documents":true}`);
  const mangled = fc.tuple(value.node, fc.nat(), fc.constantFrom('', '[', '}', '"', ',', '\u0000', '\\', '\\u12')).map(([text, at, junk]) => {
    const cut = at % (text.length + 1);
    return text.slice(0, cut) + junk + text.slice(cut);
  });
  return fc.sample(fc.oneof(value.node, mangled, deep), { numRuns: count, seed });
}

async function postAll(url: string, bodies: string[], concurrency: number, counter: ReturnType<typeof statusCounter>): Promise<void> {
  const paths = ['/v1/rerank', '/v2/rerank', '/rerank'];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < bodies.length) {
        const i = next++;
        const response = await fetch(`${url}${paths[i % paths.length]}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: bodies[i] }).catch(() => null);
        counter.add(response?.status ?? 0);
        await response?.text();
      }
    }),
  );
}

/** Connections that send headers and part of a body, then nothing: how many were answered 408 and closed, and when. */
async function slowBodies(port: number, count: number): Promise<{ closed: number; answered408: number; p99CloseMs: number }> {
  const results = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<{ closed: boolean; status: number; ms: number }>((resolve) => {
          const socket = connect(port, '127.0.0.1');
          const started = performance.now();
          let text = '';
          const giveUp = setTimeout(() => {
            socket.destroy();
            resolve({ closed: false, status: 0, ms: performance.now() - started });
          }, bodyTimeoutMs * 3 + 2000);
          socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
          socket.on('error', () => {});
          socket.on('close', () => {
            clearTimeout(giveUp);
            resolve({ closed: true, status: Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1] ?? 0), ms: performance.now() - started });
          });
          socket.write('POST /v1/rerank HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"query":');
        }),
    ),
  );
  return {
    closed: results.filter((r) => r.closed).length,
    answered408: results.filter((r) => r.status === 408).length,
    p99CloseMs: quantile(results.map((r) => r.ms), 99),
  };
}

async function requestCounts(url: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const line of (await scrapeMetrics(url)).split('\n')) {
    const match = /^crossrank_http_requests_total\{.*route="([^"]*)".*status="(\d+)".*\} (\d+)/.exec(line) ?? /^crossrank_http_requests_total\{.*status="(\d+)".*route="([^"]*)".*\} (\d+)/.exec(line);
    if (!match) continue;
    const [route, status] = line.indexOf('route=') < line.indexOf('status=') ? [match[1], match[2]] : [match[2], match[1]];
    counts.set(`${route} ${status}`, (counts.get(`${route} ${status}`) ?? 0) + Number(match[3]));
  }
  return counts;
}

/**
 * Clients that send a whole request, then close the connection before the answer (a heavy
 * request, so it is still being worked on): each must be counted, as 499.
 */
async function abortedClients(url: string, port: number, count: number, body: string): Promise<{ sent: number; counted499: number; countedAll: number }> {
  const before = await requestCounts(url);
  const head = `POST /rerank HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
  let answeredFirst = 0;
  await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const socket = connect(port, '127.0.0.1');
      let answered = false;
      socket.on('data', () => (answered = true));
      socket.on('error', () => {});
      socket.write(head + body);
      await sleep(20 + (i % 30));
      if (answered) answeredFirst++;
      socket.destroy();
    }),
  );
  await sleep(3000); // the aborted ones leave the queue; their counts settle
  const after = await requestCounts(url);
  const delta = (key: string): number => (after.get(key) ?? 0) - (before.get(key) ?? 0);
  const all = [...after.keys()].filter((key) => key.startsWith('/rerank ')).reduce((n, key) => n + delta(key), 0);
  return { sent: count - answeredFirst, counted499: delta('/rerank 499'), countedAll: all - answeredFirst };
}

/** 8 concurrent requests of one 2 MB punctuation document each, 5 times over (for enough /health probes); the seconds of one. */
async function hugeDocuments(url: string, counter: ReturnType<typeof statusCounter>): Promise<number> {
  const body = JSON.stringify({ query: 'q', documents: ['.'.repeat(1_990_000)] });
  const started = performance.now();
  for (let i = 0; i < 5; i++) await Promise.all(Array.from({ length: 8 }, () => postAll(url, [body], 1, counter)));
  return (performance.now() - started) / 5;
}

/**
 * `clients` loops that post one request after another for `ms`, ignoring Retry-After, run by
 * bench/soakClients.ts in a process of its own at `nice -n --load-nice` (see there).
 */
function clientLoad(url: string, clients: number, ms: number, counter: ReturnType<typeof statusCounter>): Promise<{ ok: number; refused: number; seconds: number; loadCpu: number }> {
  const node = [process.execPath, '--import', 'tsx', join(repoRoot, 'bench/soakClients.ts'), url, String(clients), String(ms), String(args.documents)];
  const child = spawn('nice', ['-n', String(loadNice), ...node], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`the client load exited with ${code}`));
      const result = JSON.parse(out) as LoadResult;
      for (const [status, count] of Object.entries(result.statuses)) for (let i = 0; i < count; i++) counter.add(Number(status));
      resolve({ ok: result.statuses['200'] ?? 0, refused: result.statuses['429'] ?? 0, seconds: result.seconds, loadCpu: result.cpuSeconds / result.seconds });
    });
  });
}

/**
 * The server's longest event-loop delay since loopLagMaxMs last read it, in ms: prom-client
 * resets its figure at every scrape, so every scrape of /metrics adds its figure to this one.
 */
let lagSinceRead = 0;

async function scrapeMetrics(url: string): Promise<string> {
  const metrics = await (await fetch(`${url}/metrics`)).text();
  lagSinceRead = Math.max(lagSinceRead, Number(/\nnodejs_eventloop_lag_max_seconds (\S+)/.exec(metrics)?.[1] ?? Number.NaN) * 1000);
  return metrics;
}

async function loopLagMaxMs(url: string): Promise<number> {
  await scrapeMetrics(url);
  const lag = lagSinceRead;
  lagSinceRead = 0;
  return lag;
}

async function heapUsedMb(url: string): Promise<number> {
  const metrics = await scrapeMetrics(url);
  return Math.round(Number(/\nnodejs_heap_size_used_bytes (\S+)/.exec(metrics)?.[1] ?? 0) / 2 ** 20);
}

/** CPU seconds a process (all its threads), or one of its threads, has used so far: utime + stime of /proc. */
function cpuSeconds(pid: number, tid?: number): number {
  const stat = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // clock ticks (USER_HZ = 100)
}

function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:')) ?? 'VmRSS: 0 kB';
  return Math.round(Number(line.split(/\s+/)[1]) / 1024);
}

const words = 'relevant passage about reranking retrieval engines with cross encoders and query document pairs'.split(' ');
/** A request that takes a while even on the tiny model. */
const heavyBody = JSON.stringify({ query: 'reranking engines', texts: Array.from({ length: 200 }, (_, i) => Array.from({ length: 300 }, (_, w) => words[(w * 3 + i) % words.length]).join(' ')) });

async function main(): Promise<void> {
  const modelDir = await ensureTestModel('tiny-bert');
  const server = await startServer(modelDir);
  const pid = server.child.pid as number;
  const probe = new HealthProbe(server.port);
  const statuses = statusCounter();
  let serverExited = false;
  server.child.on('exit', () => (serverExited = true));
  // The server's own longest event-loop delay in each phase (prom-client's, reset at each scrape):
  // a slow probe with a short server delay was held up elsewhere (the kernel, the probing process).
  const loopLag = new Map<string, number>();
  let currentPhase = 'idle';
  const enterPhase = async (name: string): Promise<void> => {
    const lag = await loopLagMaxMs(server.url);
    loopLag.set(currentPhase, Math.max(loopLag.get(currentPhase) ?? 0, lag));
    currentPhase = name;
    probe.phase = name;
  };

  // Round 0 warms up (every phase once: the heap grows to its working size); its RSS is the
  // baseline, and its figures are left out of the tables.
  let startRss = 0;
  let startHeap = 0;
  const roundRows: string[] = [];
  const loadRows: string[] = [];
  const raw: Record<string, unknown>[] = [];
  let malformedTotal = 0;
  const malformedStatuses = statusCounter();
  for (let round = 0; round <= rounds; round++) {
    const warmUp = round === 0;
    await enterPhase(warmUp ? 'warm-up' : 'malformed');
    const bodies = malformedBodies(Number(args.malformed), 1100 + round);
    await postAll(server.url, bodies, 8, malformedStatuses);
    malformedTotal += bodies.length;

    await enterPhase(warmUp ? 'warm-up' : 'slow');
    const slow = await slowBodies(server.port, Number(args.slow));

    await enterPhase(warmUp ? 'warm-up' : 'aborted');
    const aborted = await abortedClients(server.url, server.port, Number(args.aborts), heavyBody);

    await enterPhase(warmUp ? 'warm-up' : '8 x 2 MB');
    const hugeMs = await hugeDocuments(server.url, statuses);

    const perLevel: Array<{ clients: number; ok: number; refused: number; seconds: number; logKBs: number; serverCpu: number; mainCpu: number; loadCpu: number }> = [];
    for (const clients of clientLevels) {
      await enterPhase(warmUp ? 'warm-up' : `${clients} clients`);
      const logBefore = server.logBytes();
      // CPU seconds of the server (all threads; its event loop alone); the client load reports its own
      const cpuBefore = { server: cpuSeconds(pid), main: cpuSeconds(pid, pid) };
      const result = await clientLoad(server.url, clients, phaseMs, statuses);
      perLevel.push({
        clients,
        ...result,
        logKBs: (server.logBytes() - logBefore) / 1024 / result.seconds,
        serverCpu: (cpuSeconds(pid) - cpuBefore.server) / result.seconds,
        mainCpu: (cpuSeconds(pid, pid) - cpuBefore.main) / result.seconds,
      });
    }
    await enterPhase('idle');
    await sleep(5000);
    const rss = rssMb(pid);
    const heap = await heapUsedMb(server.url);
    if (warmUp) {
      startRss = rss;
      startHeap = heap;
      malformedTotal = 0;
      malformedStatuses.counts.clear();
      statuses.counts.clear();
      continue;
    }
    raw.push({ round, slow, aborted, hugeMs, perLevel, rss, heap });
    roundRows.push(
      `| ${round} | ${slow.answered408}/${Number(args.slow)} in ${slow.p99CloseMs.toFixed(0)} ms (p99) | ${aborted.counted499}/${aborted.sent} (all counted: ${aborted.countedAll >= aborted.sent ? 'yes' : `no, ${aborted.countedAll}`}) | ${(hugeMs / 1000).toFixed(1)} s | ${rss} MB (${(((rss - startRss) / startRss) * 100).toFixed(0)} %), heap ${heap} MB |`,
    );
    for (const level of perLevel) {
      loadRows.push(
        `| ${round} | ${level.clients} | ${(level.ok / level.seconds).toFixed(1)} | ${(level.refused / level.seconds).toFixed(0)} | ${level.logKBs.toFixed(1)} | ${level.serverCpu.toFixed(2)} | ${level.mainCpu.toFixed(2)} | ${level.loadCpu.toFixed(2)} |`,
      );
    }
  }

  // SIGTERM under load: how long the server takes to exit, and with what
  await enterPhase('SIGTERM');
  const underLoad = clientLoad(server.url, 32, 4000, statuses);
  await sleep(1000);
  const crashed = serverExited;
  const termAt = performance.now();
  const upUntil = Date.now();
  const exited = new Promise<number | null>((resolve) => server.child.on('exit', (code) => resolve(code)));
  server.child.kill('SIGTERM');
  const exitCode = await Promise.race([exited, sleep(15_000).then(() => 'still running' as const)]);
  const exitMs = performance.now() - termAt;
  if (exitCode === 'still running') server.child.kill('SIGKILL');
  await underLoad;
  await probe.stop();
  const health = probe.results(upUntil);
  const dead = health.dead + (crashed ? 1 : 0);

  const header = `${new Date().toISOString()}, ${cpus()[0]?.model ?? 'cpu'} x ${availableParallelism()}, ${Math.round(totalmem() / 2 ** 30)} GB, load average ${loadavg()[0].toFixed(2)}, tiny-bert (fp32), ONNX threads ${args.threads ?? 'all cores'}, client load at nice ${loadNice}, ${rounds} rounds`;
  const healthRows = [...health.latencies].map(
    ([phase, latencies]) =>
      `| ${phase} | ${latencies.length} | ${health.deadIn.get(phase) ?? 0} | ${quantile(latencies, 50).toFixed(1)} | ${quantile(latencies, 99).toFixed(1)} | ${Math.max(...latencies).toFixed(1)} | ${(loopLag.get(phase) ?? Number.NaN).toFixed(0)} |`,
  );
  const level = (clients: number): number => {
    const rows = raw.flatMap((r) => (r.perLevel as Array<{ clients: number; ok: number; seconds: number }>).filter((l) => l.clients === clients));
    return rows.reduce((n, l) => n + l.ok, 0) / rows.reduce((n, l) => n + l.seconds, 0);
  };
  const lines = [
    `Soak and chaos: ${header}`,
    '',
    '| check | result |',
    '|---|---|',
    `| malformed requests | ${malformedTotal}: ${[...malformedStatuses.counts].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}: ${n}`).join(', ')} |`,
    `| responses with 5xx (not 503) | ${malformedStatuses.fiveHundreds() + statuses.fiveHundreds()} |`,
    `| dead servers (health unanswered in 2 s, or a crash) | ${dead} |`,
    `| successful throughput at 128 / 32 clients | ${clientLevels.includes(128) && clientLevels.includes(32) ? `${((level(128) / level(32)) * 100).toFixed(0)} %` : 'n/a'} |`,
    `| RSS after the warm-up round, after the last round | ${startRss} MB, ${(raw[raw.length - 1]?.rss as number) ?? 0} MB (V8 heap used ${startHeap} MB, ${(raw[raw.length - 1]?.heap as number) ?? 0} MB) |`,
    `| SIGTERM under 32 clients | exit ${String(exitCode)} after ${(exitMs / 1000).toFixed(1)} s |`,
    '',
    '| round | slow bodies: 408 and closed | aborted: counted as 499 | 8 x 2 MB | RSS after (vs start), V8 heap used |',
    '|---|---|---|---|---|',
    ...roundRows,
    '',
    '| round | clients | successful/s | 429/s | log KB/s | server CPU (cores) | its event loop | client load (niced) |',
    '|---|---|---|---|---|---|---|---|',
    ...loadRows,
    '',
    '| /health during | probes | unanswered in 2 s | p50 ms | p99 ms | max ms | server event loop: longest delay, ms |',
    '|---|---|---|---|---|---|---|',
    ...healthRows,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  mkdirSync(join(repoRoot, 'bench/results'), { recursive: true });
  writeFileSync(join(repoRoot, 'bench/results', `soak-${Date.now()}.json`), JSON.stringify({ header, raw, health: Object.fromEntries(health.latencies), deadIn: Object.fromEntries(health.deadIn), loopLag: Object.fromEntries(loopLag), exitCode, exitMs }, null, 2));
}

await main();
