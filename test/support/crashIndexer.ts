/**
 * Child process of the crash test: indexes generated documents into an SQLite index, one `add`
 * (one transaction: a run is all or nothing) per batch, and prints `committed <n>` after each,
 * until it is killed.
 *
 *   node --import tsx test/support/crashIndexer.ts <index path> <documents> <batch size>
 */
import { Index } from '../../src/retrieve/searchIndex.js';

const [path, countText, batchText] = process.argv.slice(2);
const count = Number(countText);
const batchSize = Number(batchText);
const words = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta', 'iota', 'kappa', 'lambda', 'mu'];

function* documents(): Generator<{ id: string; text: string }> {
  for (let i = 0; i < count; i++) {
    // Long-ish texts, so a batch's write takes a while and the kill likely lands inside one.
    const text = Array.from({ length: 60 }, (_, j) => words[(i * 7 + j * 3 + (i >> 3)) % words.length] + String((i + j) % 97)).join(' ');
    yield { id: `doc${i}`, text };
  }
}

const index = await Index.open(path);
let batch: Array<{ id: string; text: string }> = [];
let done = 0;
for (const document of documents()) {
  batch.push(document);
  if (batch.length < batchSize) continue;
  await index.add(batch);
  done += batch.length;
  batch = [];
  process.stdout.write(`committed ${done}\n`);
}
await index.close();
process.stdout.write('finished\n');
