import { createRng } from '../../scripts/model-gen/rng.js';

/** mulberry32 (the test-model generator's), so fuzz-style tests see the same cases on every run. */
export function seededRandom(seed: number): () => number {
  return createRng(seed).uniform;
}
