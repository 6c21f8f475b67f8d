import * as ort from 'onnxruntime-node';
import type { CacheType, IdTensorType, ModelInputName, SessionOptions } from './onnxSession.js';

/** A tensor as it crosses a thread boundary (structured clone keeps typed arrays). */
export interface WireTensor {
  type: ort.Tensor.Type;
  dims: readonly number[];
  data: Exclude<ort.Tensor.DataType, string[]>;
}

export interface WorkerStart {
  weightsPath: string;
  options: SessionOptions;
}

export type ToWorker = { kind: 'run'; id: number; feeds: Record<string, WireTensor> } | { kind: 'release' };

export type FromWorker =
  | { kind: 'opened'; inputs: Array<[ModelInputName, IdTensorType]>; outputName: string; decoderInputs: string[]; cacheType: CacheType }
  | { kind: 'failed'; name: string; message: string }
  | { kind: 'result'; id: number; outputs: Record<string, WireTensor> }
  | { kind: 'error'; id: number; message: string }
  | { kind: 'released' };

export function toWire(tensor: ort.Tensor): WireTensor {
  if (tensor.type === 'string') throw new Error('string tensors cannot cross to the inference worker');
  // A copy: ONNX Runtime may own the output buffer, and callers may reuse their feeds.
  return { type: tensor.type, dims: [...tensor.dims], data: tensor.data as WireTensor['data'] };
}

export function fromWire(wire: WireTensor): ort.Tensor {
  return new ort.Tensor(wire.type as 'float32', wire.data as Float32Array, wire.dims);
}

export function mapTensors<A, B>(tensors: Readonly<Record<string, A>>, convert: (tensor: A) => B): Record<string, B> {
  return Object.fromEntries(Object.entries(tensors).map(([name, tensor]) => [name, convert(tensor)]));
}
