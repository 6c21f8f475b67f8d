/**
 * Child process of the crash test: indexes generated documents into an SQLite index, batch by
 * batch, and prints `committed <n>` after each batch is committed, until it is killed.
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
await index.addAll(documents(), { batchSize, onProgress: (done) => process.stdout.write(`committed ${done}\n`) });
await index.close();
process.stdout.write('finished\n');
