import * as ort from 'onnxruntime-node';
import { outputAsFloat32 } from './tensors.js';

/** The key/value cache shape of a causal LM export (Optimum's with-past layout). */
export interface CacheShape {
  layers: number;
  kvHeads: number;
  headDim: number;
}

/** The key/value cache of one shared prompt prefix: per cache input, [1, kvHeads, length, headDim] float32. */
export interface PrefixCache {
  length: number;
  tensors: Map<string, Float32Array>;
}

const cacheName = (layer: number, part: 'key' | 'value') => `past_key_values.${layer}.${part}`;
const presentName = (layer: number, part: 'key' | 'value') => `present.${layer}.${part}`;

const int64 = (values: ArrayLike<number>, dims: number[]) => new ort.Tensor('int64', BigInt64Array.from(Array.from(values), (v) => BigInt(v)), dims);

/**
 * The feeds of one batch of token rows after an optional cached prefix, padded on the left as
 * transformers pads a decoder: `input_ids` [rows, width] with `padId` first, `attention_mask`
 * [rows, prefix + width] (the prefix's 1s, then 0 for padding), `position_ids` continuing the
 * prefix's positions from each row's first real token (transformers' cumsum(mask) - 1, padding
 * at 1), and the prefix's cache repeated for every row (empty without a prefix). Padding is
 * masked out of every key, so it changes no score.
 */
export function decoderFeeds(rows: readonly (readonly number[])[], shape: CacheShape, padId: number, prefix: PrefixCache | null): Record<string, ort.Tensor> {
  const count = rows.length;
  const width = rows.reduce((max, row) => Math.max(max, row.length), 0);
  const past = prefix?.length ?? 0;
  const ids = new Array<number>(count * width);
  const mask = new Array<number>(count * (past + width));
  const positions = new Array<number>(count * width);
  rows.forEach((row, r) => {
    const pad = width - row.length;
    for (let i = 0; i < past; i++) mask[r * (past + width) + i] = 1;
    for (let i = 0; i < width; i++) {
      const real = i >= pad;
      ids[r * width + i] = real ? row[i - pad] : padId;
      mask[r * (past + width) + past + i] = real ? 1 : 0;
      positions[r * width + i] = real ? past + i - pad : 1;
    }
  });
  const feeds: Record<string, ort.Tensor> = {
    input_ids: int64(ids, [count, width]),
    attention_mask: int64(mask, [count, past + width]),
    position_ids: int64(positions, [count, width]),
  };
  const block = past * shape.kvHeads * shape.headDim;
  for (let layer = 0; layer < shape.layers; layer++) {
    for (const part of ['key', 'value'] as const) {
      const data = new Float32Array(count * block);
      const cached = prefix?.tensors.get(cacheName(layer, part));
      if (cached) for (let r = 0; r < count; r++) data.set(cached, r * block);
      feeds[cacheName(layer, part)] = new ort.Tensor('float32', data, [count, shape.kvHeads, past, shape.headDim]);
    }
  }
  return feeds;
}

/** The cache a one-row forward pass over a prefix left behind (its `present.*` outputs). */
export function prefixCacheFrom(outputs: ort.InferenceSession.ReturnType, shape: CacheShape, length: number): PrefixCache {
  const tensors = new Map<string, Float32Array>();
  for (let layer = 0; layer < shape.layers; layer++) {
    for (const part of ['key', 'value'] as const) {
      const present = outputs[presentName(layer, part)];
      if (!present) throw new Error(`the model has no ${presentName(layer, part)} output`);
      tensors.set(cacheName(layer, part), outputAsFloat32(present));
    }
  }
  return { length, tensors };
}

/** The last position's logits of the given vocabulary ids, per row: logits [rows, sequence, vocab] or [rows, vocab]. */
export function lastPositionLogits(logits: ort.Tensor, tokenIds: readonly number[]): number[][] {
  const values = outputAsFloat32(logits);
  const dims = logits.dims;
  const rows = dims[0];
  const vocab = dims[dims.length - 1];
  const rowSize = values.length / rows;
  return Array.from({ length: rows }, (_, r) => tokenIds.map((id) => values[r * rowSize + rowSize - vocab + id]));
}
