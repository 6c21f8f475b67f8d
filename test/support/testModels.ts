import { generateWeights, type BertSpec, type BertWeights } from '../../scripts/model-gen/bertWeights.js';
import { ensureTestModel } from '../../scripts/model-gen/ensureTestModel.js';
import { TEST_MODELS, type TestModelName } from '../../scripts/model-gen/testModels.js';
import { referenceHiddenStates, referenceLogits } from '../reference/bertReference.js';

/** A generated test model: its directory, and the same weights in memory for the reference forward pass. */
export interface TestModel {
  dir: string;
  spec: BertSpec;
  weights: BertWeights;
  /** Logits of one unpadded sequence by the independent float64 forward pass. */
  reference(inputIds: number[], tokenTypeIds: number[]): number[];
  /** The encoder's hidden state of each token of one unpadded sequence, by the same pass. */
  hiddenStates(inputIds: number[], tokenTypeIds: number[]): number[][];
  /** The same with an attention mask: positions with mask 0 are no key, but get their own state (ColBERT's query padding). */
  hiddenStatesMasked(inputIds: number[], tokenTypeIds: number[], attentionMask: number[]): number[][];
}

const cache = new Map<TestModelName, Promise<TestModel>>();

export function testModel(name: TestModelName): Promise<TestModel> {
  let model = cache.get(name);
  if (!model) {
    model = (async () => {
      const dir = await ensureTestModel(name);
      const spec: BertSpec = TEST_MODELS[name].spec;
      const weights = generateWeights(spec);
      return {
        dir,
        spec,
        weights,
        reference: (inputIds, tokenTypeIds) => referenceLogits(weights, spec, inputIds, spec.arch === 'bert' ? tokenTypeIds : null),
        hiddenStates: (inputIds, tokenTypeIds) => referenceHiddenStates(weights, spec, inputIds, spec.arch === 'bert' ? tokenTypeIds : null),
        hiddenStatesMasked: (inputIds, tokenTypeIds, attentionMask) =>
          referenceHiddenStates(weights, spec, inputIds, spec.arch === 'bert' ? tokenTypeIds : null, attentionMask),
      };
    })();
    cache.set(name, model);
  }
  return model;
}
