import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const bertVocabDir = `${repoRoot}assets/vocab/bert-base-uncased`;
export const benchInputs = `${repoRoot}assets/bench`;
