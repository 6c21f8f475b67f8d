/**
 * The client load of bench/soak.ts, in a process of its own: `clients` loops that post one
 * request after another to /v1/rerank for `ms`, ignoring Retry-After. Prints one JSON line: the
 * count of each status, the seconds it ran and the CPU seconds it used.
 *
 * A process of its own so that the soak can bound what the load takes from the server's cores
 * (it runs under `nice`: clients of a real deployment are on other machines), and so that its
 * event loop is not the one that times the health probes.
 *
 *   node --import tsx bench/soakClients.ts <url> <clients> <ms> <documents>
 */
import { pathToFileURL } from 'node:url';

const words = 'relevant passage about reranking retrieval engines with cross encoders and query document pairs'.split(' ');

/** The soak's load request: `documents` documents of 60 words. */
export function loadBody(documents: number): string {
  return JSON.stringify({
    query: 'reranking engines',
    documents: Array.from({ length: documents }, (_, i) => Array.from({ length: 60 }, (_, w) => words[(w * 7 + i) % words.length]).join(' ')),
  });
}

export interface LoadResult {
  /** Responses by status (0: no response). */
  statuses: Record<string, number>;
  seconds: number;
  cpuSeconds: number;
}

async function run(url: string, clients: number, ms: number, body: string): Promise<LoadResult> {
  const until = performance.now() + ms;
  const started = performance.now();
  const cpu = process.cpuUsage();
  const statuses: Record<string, number> = {};
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < until) {
        const response = await fetch(`${url}/v1/rerank`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).catch(() => null);
        const status = response?.status ?? 0;
        await response?.text();
        statuses[status] = (statuses[status] ?? 0) + 1;
      }
    }),
  );
  const used = process.cpuUsage(cpu);
  return { statuses, seconds: (performance.now() - started) / 1000, cpuSeconds: (used.user + used.system) / 1e6 };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [url, clients, ms, documents] = process.argv.slice(2);
  const result = await run(url, Number(clients), Number(ms), loadBody(Number(documents)));
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
