import type * as ort from 'onnxruntime-node';
import { resolveModelDir } from '../hub/index.js';
import { locateModelFiles, openOnnxModel, openOnnxModelInWorker, type Device, type ModelFiles, type ModelVariant, type OnnxModel } from '../model/index.js';
import type { PairEncoding } from '../tokenize/pairEncoder.js';
import { planBatches, type BatchLimits } from './batching.js';
import type { RunnerOptions } from './runnerOptions.js';
import { batchFeeds } from './tensors.js';

// Apart from the runner so that public declarations reach no ONNX Runtime types (a strict consumer's tsc).
export type { RunnerOptions } from './runnerOptions.js';

/** A model found on disk (or fetched from the hub), before its weights are loaded. */
export interface LocatedModel {
  modelDir: string;
  files: ModelFiles;
}

export type Feeds = Record<string, ort.Tensor>;
export type NamedOutputs = ort.InferenceSession.ReturnType;

/**
 * Resolves a model directory or hub id `org/name[@revision]` and finds its files. Apart from
 * `ModelRunner.open` so that a caller can read the config and tokenizer (and fail on them) before
 * the weights are loaded.
 */
export async function locateModel(nameOrDir: string, options: RunnerOptions = {}): Promise<LocatedModel> {
  const preferFor = options.device === 'cuda' ? 'gpu' : 'cpu';
  const modelDir = await resolveModelDir(nameOrDir, { ...options, preferFor });
  return { modelDir, files: locateModelFiles(modelDir, { variant: options.variant, preferFor }) };
}

/**
 * One ONNX model, ready to run: feeds in, named outputs out. Every encoder (cross-encoder,
 * bi-encoder, and scorers to come) runs on it, so loading, length-sorted batching, cancellation
 * between forward passes and release are written once.
 */
export class ModelRunner {
  private passes = 0;
  private closed = false;

  private constructor(
    readonly located: LocatedModel,
    private readonly model: OnnxModel,
  ) {}

  static async open(located: LocatedModel, options: RunnerOptions = {}): Promise<ModelRunner> {
    const open = options.worker ? openOnnxModelInWorker : openOnnxModel;
    return new ModelRunner(located, await open(located.files.weights, { threads: options.threads, device: options.device }));
  }

  /** The graph's inputs crossrank fills, in its order. */
  get inputNames(): string[] {
    return [...this.model.inputs.keys()];
  }

  /** A causal LM's position and key/value cache inputs (empty for an encoder). */
  get decoderInputs(): readonly string[] {
    return this.model.decoderInputs;
  }

  /** The element type of a causal LM's key/value cache (float16 in fp16 exports). */
  get cacheType(): 'float32' | 'float16' {
    return this.model.cacheType;
  }

  /** The output a one-output reader takes: `logits` where the graph has it, else its first. */
  get outputName(): string {
    return this.model.outputName;
  }

  /** Forward passes run so far (for metrics, and for tests that check what was never scored). */
  get forwardPasses(): number {
    return this.passes;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** One forward pass. */
  run(feeds: Feeds): Promise<NamedOutputs> {
    this.passes++;
    return this.model.session.run(feeds);
  }

  /**
   * Runs `encodings` in batches of similar length (see planBatches), each padded to its own
   * longest; `read` gets each batch's outputs with the indices of its rows. `live(index)` is asked
   * once per row, just before its forward pass: rows for which it is false are dropped (a batch
   * left empty is not run), so work whose caller gave up is never scored.
   */
  async runBatches(
    encodings: readonly PairEncoding[],
    limits: BatchLimits,
    padTokenId: number,
    read: (outputs: NamedOutputs, rows: readonly number[]) => void,
    live: (index: number) => boolean = () => true,
  ): Promise<void> {
    const batches = planBatches(
      encodings.map((e) => e.inputIds.length),
      limits,
    );
    for (const planned of batches) {
      const rows = planned.filter(live);
      if (rows.length === 0) continue;
      const outputs = await this.run(batchFeeds(rows.map((i) => encodings[i]), this.model.inputs, padTokenId));
      read(outputs, rows);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.model.session.release();
  }
}
