import { join } from 'node:path';
import { ModelFormatError } from '../errors.js';
import { readJsonObject } from '../model/index.js';

/**
 * `crossrank.first_stage_weight` in a reranker's config.json: how much of the first stage's score
 * a pipeline mixes into this reranker's order when the caller does not say (see interpolation.ts),
 * and how much BM25 over the given documents `rerank` and the service mix in (lexicalMix.ts).
 * A ranking setting, so it is read by the reranker, not by the model layer. The starter model
 * sets it; published models do not, and get the reranker's order alone.
 */
export function recommendedFirstStageWeight(modelDir: string): number | undefined {
  const path = join(modelDir, 'config.json');
  const config = readJsonObject(path);
  const ours = config.crossrank && typeof config.crossrank === 'object' ? (config.crossrank as Record<string, unknown>) : {};
  const weight = ours.first_stage_weight;
  if (weight !== undefined && (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0)) {
    throw new ModelFormatError(`${path}: crossrank.first_stage_weight must be a number >= 0`);
  }
  return weight;
}
