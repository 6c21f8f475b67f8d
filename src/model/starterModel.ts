import { fileURLToPath } from 'node:url';

/**
 * The starter reranker that ships inside the package (trained by `training/`), so a fresh clone,
 * an air-gapped server or a CI job can rerank with no network. It is small and English-only: for
 * quality, load a published model by id (cross-encoder/ms-marco-MiniLM-L-6-v2, BAAI/bge-reranker-base).
 *
 * Its name looks like a hub id on purpose: anything that takes a model (`--model`,
 * `--rerank-model`, `CrossEncoder.load`) accepts it, and it never touches the network.
 */
export const STARTER_MODEL_ID = 'crossrank/starter-en';

/** Resolved from this file, so it holds from src/ (tsx) and from dist/ (the built package) alike. */
export const STARTER_MODEL_DIR = fileURLToPath(new URL('../../assets/models/crossrank-starter-en/', import.meta.url));
