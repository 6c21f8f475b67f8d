import { availableParallelism } from 'node:os';
import * as ort from 'onnxruntime-node';
import { ModelFormatError, positiveIntegerOption } from '../errors.js';

/** Where the model runs. `cuda` needs onnxruntime-node's CUDA files (see README: GPU). */
export type Device = 'cpu' | 'cuda';

export interface SessionOptions {
  /** Threads ONNX Runtime uses inside one operator; default: the machine's cores. */
  threads?: number;
  device?: Device;
}

/** The model inputs crossrank knows how to fill. */
export type ModelInputName = 'input_ids' | 'attention_mask' | 'token_type_ids';

/** Integer element type of the model's id inputs (exports use int64; a few use int32). */
export type IdTensorType = 'int64' | 'int32';

/**
 * What crossrank asks of a session: run one batch, release it. An ONNX Runtime session, or its
 * proxy on a worker thread (see workerSession.ts). Internal (see model/index.ts).
 * @internal
 */
export interface ModelSession {
  run(feeds: Record<string, ort.Tensor>): Promise<ort.InferenceSession.ReturnType>;
  release(): Promise<void>;
}

/** @internal */
export interface OnnxModel {
  session: ModelSession;
  /** The inputs the graph declares, in its order; token_type_ids is only fed where it is declared. */
  inputs: ReadonlyMap<ModelInputName, IdTensorType>;
  /** The logits output (named `logits` in Optimum/Xenova exports, else the first output). */
  outputName: string;
  /**
   * A causal LM's other inputs, in graph order: `position_ids` and the key/value cache
   * `past_key_values.{i}.key|value` (Optimum's with-past layout); empty for an encoder.
   */
  decoderInputs: string[];
  /** The element type of a causal LM's key/value cache inputs (float16 in fp16 exports); float32 where there are none. */
  cacheType: CacheType;
}

/** @internal */
export type CacheType = 'float32' | 'float16';

const KNOWN_INPUTS: readonly string[] = ['input_ids', 'attention_mask', 'token_type_ids'];
const DECODER_INPUT = /^(position_ids|past_key_values\.\d+\.(key|value))$/;

/** @internal */
export async function openOnnxModel(weightsPath: string, options: SessionOptions = {}): Promise<OnnxModel> {
  const threads = positiveIntegerOption(options.threads ?? availableParallelism(), 'threads');
  const executionProviders: ort.InferenceSession.ExecutionProviderConfig[] = options.device === 'cuda' ? ['cuda', 'cpu'] : ['cpu'];
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(weightsPath, {
      executionProviders,
      intraOpNumThreads: threads,
      // Pairs are scored one batch at a time: a second pool of threads only competes for the cores.
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
  } catch (error) {
    const detail = String((error as Error).message ?? error).split('\n')[0];
    throw new ModelFormatError(`${weightsPath} could not be loaded by ONNX Runtime: ${detail}`, { cause: error });
  }

  const inputs = new Map<ModelInputName, IdTensorType>();
  const decoderInputs: string[] = [];
  for (const meta of session.inputMetadata) {
    if (DECODER_INPUT.test(meta.name)) {
      decoderInputs.push(meta.name);
      continue;
    }
    if (!KNOWN_INPUTS.includes(meta.name)) {
      await session.release();
      throw new ModelFormatError(`${weightsPath}: model input ${meta.name} is not one crossrank can fill (${KNOWN_INPUTS.join(', ')})`);
    }
    const type = meta.isTensor && meta.type === 'int32' ? 'int32' : 'int64';
    inputs.set(meta.name as ModelInputName, type);
  }
  if (!inputs.has('input_ids')) {
    await session.release();
    throw new ModelFormatError(`${weightsPath}: the model has no input_ids input`);
  }
  const outputName = session.outputNames.includes('logits') ? 'logits' : session.outputNames[0];
  const cache = session.inputMetadata.find((meta) => meta.name.startsWith('past_key_values.'));
  const cacheType: CacheType = cache?.isTensor && cache.type === 'float16' ? 'float16' : 'float32';
  return { session, inputs, outputName, decoderInputs, cacheType };
}
