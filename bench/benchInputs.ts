/** The fixed benchmark inputs (assets/bench, copied from ../shared/bench): one query, 50 documents. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface BenchInput {
  query: string;
  docs: string[];
}

const BENCH_DIR = fileURLToPath(new URL('../assets/bench/', import.meta.url));

/** `varied` (documents of varied length) or `uniform`: assets/bench/<name>-50.json. */
export function benchInput(name: string): BenchInput {
  return JSON.parse(readFileSync(`${BENCH_DIR}${name}-50.json`, 'utf8')) as BenchInput;
}
