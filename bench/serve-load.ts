/**
 * Load on `crossrank serve`: Cohere-shape rerank requests of 1 query and 50 documents
 * (assets/bench/varied-50.json) at 1, 8 and 32 concurrent clients, against the MiniLM-L6
 * architecture model, with cross-request batching (the default settings) and with each request
 * scored alone (--batch-window-ms 0), in the same run: both servers run side by side and take
 * turns at each concurrency, so drift on a shared machine hits both alike.
 *
 *   npx tsx bench/serve-load.ts [--clients 1,8,32] [--requests 4,8,32] [--variant quantized] [--threads N]
 *
 * Each level sends a fixed number of requests (autocannon `amount`): a request costs seconds
 * of CPU here, so a duration-bound run would end with most requests in flight. Prints a
 * Markdown table and writes the raw numbers to bench/results/.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { ensureTestModel } from '../scripts/model-gen/ensureTestModel.js';
import { benchInput } from './benchInputs.js';

const repoRoot = fileURLToPath(new URL('../', import.meta.url));
const { values: args } = parseArgs({
  options: {
    clients: { type: 'string', default: '1,8,32' },
    requests: { type: 'string', default: '4,8,32' },
    variant: { type: 'string', default: 'quantized' },
    threads: { type: 'string' },
  },
});
const clientLevels = args.clients!.split(',').map(Number);
const requestCounts = args.requests!.split(',').map(Number);
if (clientLevels.length !== requestCounts.length) throw new Error('--clients and --requests need as many values');

interface Server {
  mode: string;
  url: string;
  child: ChildProcess;
}

/** `crossrank serve` in a child process, so the load generator does not share its event loop. */
function startServer(mode: string, modelDir: string, extraFlags: string[]): Promise<Server> {
  const flags = ['--model', modelDir, '--port', '0', '--variant', args.variant!, '--log-level', 'info', '--request-timeout-ms', '900000', '--max-queue', '256', ...extraFlags];
  if (args.threads) flags.push('--threads', args.threads);
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'src/cli/main.ts'), 'serve', ...flags], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let log = '';
    let url = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      if (url && log.includes('ready"')) return; // started: the request log is not needed
      log += chunk.toString();
      url ||= /Server listening at (http:\/\/[^"]+)/.exec(log)?.[1] ?? '';
      if (url && log.includes('ready"')) resolve({ mode, url, child });
    });
    child.on('exit', (code) => reject(new Error(`server (${mode}) exited with ${code}:\n${log}`)));
  });
}

/**
 * From the server's /metrics: batches scored and requests in them so far, and the CPU time
 * the server process has used (its worker thread included). CPU per request depends far less
 * than wall time on what else runs on a shared machine.
 */
async function serverTotals(server: Server): Promise<{ batches: number; requests: number; cpuSeconds: number }> {
  const lines = (await (await fetch(`${server.url}/metrics`)).text()).split('\n');
  const read = (name: string): number => Number(lines.find((l) => l.startsWith(`${name} `))?.split(' ')[1] ?? 0);
  return { batches: read('crossrank_batch_requests_count'), requests: read('crossrank_batch_requests_sum'), cpuSeconds: read('process_cpu_seconds_total') };
}

interface Row {
  mode: string;
  clients: number;
  requests: number;
  errors: number;
  seconds: number;
  requestsPerSecond: number;
  pairsPerSecond: number;
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
  requestsPerBatch: number;
  cpuSecondsPerRequest: number;
}

async function load(server: Server, body: string, documents: number, clients: number, amount: number): Promise<Row> {
  const before = await serverTotals(server);
  const result = await autocannon({
    url: `${server.url}/v1/rerank`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    connections: clients,
    amount,
    timeout: 900,
  });
  const after = await serverTotals(server);
  const completed = result.requests.total;
  return {
    mode: server.mode,
    clients,
    requests: completed,
    errors: result.errors + result.timeouts + result.non2xx,
    seconds: result.duration,
    requestsPerSecond: completed / result.duration,
    pairsPerSecond: (completed * documents) / result.duration,
    meanMs: result.latency.mean,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requestsPerBatch: (after.requests - before.requests) / Math.max(1, after.batches - before.batches),
    cpuSecondsPerRequest: (after.cpuSeconds - before.cpuSeconds) / Math.max(1, completed),
  };
}

async function main(): Promise<void> {
  const modelDir = await ensureTestModel('minilm-l6-bench', join(repoRoot, 'models'));
  const { query, docs } = benchInput('varied');
  const body = JSON.stringify({ model: 'minilm-l6-bench', query, documents: docs });

  const servers = [await startServer('batched (default: 2 ms window, 32768 tokens)', modelDir, []), await startServer('alone (--batch-window-ms 0)', modelDir, ['--batch-window-ms', '0'])];
  const started = Date.now();
  const loadAtStart = loadavg()[0];
  const rows: Row[] = [];
  try {
    for (const server of servers) await load(server, body, docs.length, 1, 1); // first requests on a fresh server
    for (let level = 0; level < clientLevels.length; level++) {
      // Alternate which server goes first, so neither always follows the other's load.
      const order = level % 2 === 0 ? servers : [...servers].reverse();
      for (const server of order) {
        const row = await load(server, body, docs.length, clientLevels[level], requestCounts[level]);
        rows.push(row);
        process.stderr.write(`${row.mode}, ${row.clients} clients: ${row.requestsPerSecond.toFixed(3)} req/s, p50 ${row.p50Ms} ms, ${row.errors} errors\n`);
      }
    }
  } finally {
    for (const server of servers) server.child.kill('SIGTERM');
  }

  const lines = [
    '| clients | mode | requests | errors | req/s | pairs/s | p50 ms | p99 ms | requests per batch | CPU s per request | throughput vs alone | CPU per request vs alone |',
    '|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const row of rows) {
    const alone = rows.find((r) => r.clients === row.clients && r.mode.startsWith('alone'))!;
    lines.push(
      `| ${row.clients} | ${row.mode} | ${row.requests} | ${row.errors} | ${row.requestsPerSecond.toFixed(3)} | ${row.pairsPerSecond.toFixed(1)} | ${row.p50Ms.toFixed(0)} | ${row.p99Ms.toFixed(0)} | ${row.requestsPerBatch.toFixed(2)} | ${row.cpuSecondsPerRequest.toFixed(2)} | ${(row.requestsPerSecond / alone.requestsPerSecond).toFixed(2)}x | ${(row.cpuSecondsPerRequest / alone.cpuSecondsPerRequest).toFixed(2)}x |`,
    );
  }
  const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  const header = `crossrank serve, POST /v1/rerank with 50 documents (varied-50), minilm-l6-bench ${args.variant}, threads ${args.threads ?? 'default (all cores)'}, ${new Date().toISOString()}, ${machine}, 1-min load average ${loadAtStart.toFixed(1)} at start, ${loadavg()[0].toFixed(1)} at end, ${((Date.now() - started) / 1000).toFixed(0)} s`;
  const report = [header, '', ...lines].join('\n');
  process.stdout.write(`${report}\n`);
  mkdirSync(join(repoRoot, 'bench/results'), { recursive: true });
  writeFileSync(join(repoRoot, 'bench/results', `serve-load-${Date.now()}.json`), JSON.stringify({ header, rows }, null, 2));
}

await main();
