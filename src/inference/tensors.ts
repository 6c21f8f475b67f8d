import * as ort from 'onnxruntime-node';
import type { IdTensorType, ModelInputName } from '../model/index.js';
import type { PairEncoding } from '../tokenize/pairEncoder.js';

/**
 * The feeds of one batch, right-padded to its longest sequence (a pair, or one text for an
 * embedding model): padding gets the tokenizer's pad id, type 0 and mask 0, as Hugging Face pads.
 * Only the inputs the graph declares are built.
 */
export function batchFeeds(
  encodings: readonly PairEncoding[],
  inputs: ReadonlyMap<ModelInputName, IdTensorType>,
  padTokenId: number,
): Record<string, ort.Tensor> {
  const rows = encodings.length;
  const width = encodings.reduce((max, e) => Math.max(max, e.inputIds.length), 0);
  const feeds: Record<string, ort.Tensor> = {};
  for (const [name, type] of inputs) {
    const size = rows * width;
    const data = type === 'int64' ? new BigInt64Array(size) : new Int32Array(size);
    const pad = name === 'input_ids' ? padTokenId : 0;
    for (let row = 0; row < rows; row++) {
      const values = name === 'input_ids' ? encodings[row].inputIds : name === 'token_type_ids' ? encodings[row].tokenTypeIds : encodings[row].attentionMask;
      const offset = row * width;
      if (data instanceof BigInt64Array) {
        for (let i = 0; i < width; i++) data[offset + i] = BigInt(i < values.length ? values[i] : pad);
      } else {
        for (let i = 0; i < width; i++) data[offset + i] = i < values.length ? values[i] : pad;
      }
    }
    feeds[name] = new ort.Tensor(type, data, [rows, width]);
  }
  return feeds;
}

/** A float output (logits, hidden states) as float32, whatever the export's type (fp16 models return raw half-precision bits). */
export function outputAsFloat32(tensor: ort.Tensor): Float32Array {
  if (tensor.type === 'float32') return tensor.data as Float32Array;
  if (tensor.type === 'float16') {
    const bits = tensor.data as Uint16Array;
    const out = new Float32Array(bits.length);
    for (let i = 0; i < bits.length; i++) out[i] = halfToFloat(bits[i]);
    return out;
  }
  throw new Error(`model output has type ${tensor.type}; expected float32 or float16`);
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}
