import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventLoopTurns } from '../src/rerank/eventLoopTurns.js';

// Loop iterations are counted with a chain of setImmediate callbacks (one per iteration).
function countIterations(): { readonly count: number; stop(): void } {
  let count = 0;
  let running = true;
  const tick = (): void => {
    count++;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  return {
    get count() {
      return count;
    },
    stop: () => (running = false),
  };
}

test('a turn waits an iteration after a connection was accepted, so that waiting connections go first', async () => {
  const turns = new EventLoopTurns();
  const plain = countIterations();
  await turns.next();
  const withoutConnection = plain.count;
  plain.stop();

  const counter = countIterations();
  turns.connectionAccepted();
  await turns.next();
  counter.stop();
  assert.equal(counter.count, withoutConnection + 1);
});

test('under a steady stream of connections a turn still comes, after at most 32 iterations', async () => {
  const turns = new EventLoopTurns();
  let accepting = true;
  // One connection accepted per iteration, as Node does while connections wait.
  const accept = (): void => {
    turns.connectionAccepted();
    if (accepting) setImmediate(accept);
  };
  accept();
  const counter = countIterations();
  await turns.next();
  accepting = false;
  counter.stop();
  assert.ok(counter.count >= 32 && counter.count <= 34, `${counter.count} iterations`);
});
