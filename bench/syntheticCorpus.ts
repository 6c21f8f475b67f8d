/**
 * A deterministic synthetic corpus for the search benchmark, cut from the Debian package
 * descriptions in assets/bench: each document joins two windows of 15 to 60 consecutive words,
 * from two descriptions, so term frequencies follow real English text and hardly two documents
 * are the same; queries are 3 to 7 consecutive words of one description, so BM25 always has
 * matches. Same seed, same corpus.
 */
import { seededRandom } from '../scripts/model-gen/rng.js';
import type { IndexDocument } from '../src/retrieve/searchIndex.js';
import { benchInput } from './benchInputs.js';


function sourceTexts(): string[][] {
  const texts: string[][] = [];
  for (const name of ['varied', 'uniform']) {
    const { docs } = benchInput(name);
    for (const doc of docs) texts.push(doc.split(/\s+/).filter((word) => word !== ''));
  }
  return texts;
}

function window(words: string[], random: () => number, min: number, max: number): string[] {
  const length = Math.min(words.length, min + Math.floor(random() * (max - min + 1)));
  const start = Math.floor(random() * (words.length - length + 1));
  return words.slice(start, start + length);
}

export function* syntheticDocuments(count: number, seed = 1): Generator<IndexDocument> {
  const texts = sourceTexts();
  const random = seededRandom(seed);
  for (let i = 0; i < count; i++) {
    const first = window(texts[Math.floor(random() * texts.length)], random, 15, 60);
    const words = [...first, ...window(texts[Math.floor(random() * texts.length)], random, 15, 60)];
    yield { id: `doc${i}`, title: words.slice(0, 4).join(' '), text: words.slice(4).join(' ') };
  }
}

export function syntheticQueries(count: number, seed = 2): string[] {
  const texts = sourceTexts();
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => window(texts[Math.floor(random() * texts.length)], random, 3, 7).join(' '));
}

/**
 * Bag-of-words vectors: each term gets a fixed pseudo-random direction (seeded by the term), and a
 * text is the normalised sum of its terms' directions. Texts that share words lie close together,
 * so the vectors have the neighbourhood structure of real embeddings (which uniformly random
 * vectors lack, and approximate indexes need), at a real model's dimension without running one.
 */
export class HashedWordVectors {
  private readonly directions = new Map<string, Float32Array>();

  constructor(readonly dimension: number) {}

  embed(terms: readonly string[]): Float32Array {
    const vector = new Float32Array(this.dimension);
    for (const term of terms) {
      const direction = this.direction(term);
      for (let i = 0; i < this.dimension; i++) vector[i] += direction[i];
    }
    let norm = 0;
    for (let i = 0; i < this.dimension; i++) norm += vector[i] * vector[i];
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let i = 0; i < this.dimension; i++) vector[i] *= scale;
    return vector;
  }

  private direction(term: string): Float32Array {
    let direction = this.directions.get(term);
    if (!direction) {
      let hash = 2166136261;
      for (let i = 0; i < term.length; i++) hash = Math.imul(hash ^ term.charCodeAt(i), 16777619);
      direction = syntheticVector(this.dimension, seededRandom(hash));
      this.directions.set(term, direction);
    }
    return direction;
  }
}

/** Deterministic unit vectors of a given dimension, uniformly spread over the sphere. */
export function syntheticVector(dimension: number, random: () => number): Float32Array {
  const vector = new Float32Array(dimension);
  let norm = 0;
  for (let i = 0; i < dimension; i++) {
    // The sum of three uniforms: roughly normal, so directions spread over the sphere.
    vector[i] = random() + random() + random() - 1.5;
    norm += vector[i] * vector[i];
  }
  const scale = 1 / Math.sqrt(norm);
  for (let i = 0; i < dimension; i++) vector[i] *= scale;
  return vector;
}

export { seededRandom };
