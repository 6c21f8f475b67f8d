/**
 * Seeded deterministic pseudo-random numbers for test-model weights.
 *
 * mulberry32 uses only 32-bit integer arithmetic (Math.imul, shifts), so its stream is
 * identical on every machine. The normal transform uses Math.log/cos/sqrt: V8 implements
 * log and cos with its bundled fdlibm port rather than the platform libm, so those are
 * bit-reproducible across operating systems and CPUs as well.
 */

export interface Rng {
  /** Uniform in [0, 1), 2^-32 resolution. */
  uniform(): number;
  /** Standard normal N(0, 1). */
  normal(): number;
}

/** 32-bit FNV-1a, used to derive independent sub-seeds from tensor names. */
export function hashString(text: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  let spare: number | null = null;

  const uniform = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };

  // Box-Muller produces pairs; caching the second value halves the transcendental calls.
  const normal = (): number => {
    if (spare !== null) {
      const value = spare;
      spare = null;
      return value;
    }
    // 1 - u keeps the log argument in (0, 1] so it never returns -Infinity.
    const radius = Math.sqrt(-2 * Math.log(1 - uniform()));
    const angle = 2 * Math.PI * uniform();
    spare = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  };

  return { uniform, normal };
}

/** Fills a new Float32Array with mean + std * N(0, 1). */
export function normalArray(rng: Rng, length: number, std: number, mean = 0): Float32Array {
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = mean + std * rng.normal();
  return out;
}

/** Uniform numbers in [0, 1) from a seed (mulberry32), so fuzz-style tests and benchmarks see the same cases on every run. */
export function seededRandom(seed: number): () => number {
  return createRng(seed).uniform;
}
