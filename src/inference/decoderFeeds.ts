import * as ort from 'onnxruntime-node';
import { outputAsFloat32 } from './tensors.js';

/** The key/value cache shape of a causal LM export (Optimum's with-past layout). */
export interface CacheShape {
  layers: number;
  kvHeads: number;
  headDim: number;
}

/** A key/value cache tensor's values: float32, or float16 bits where the export's cache is half precision. */
export type CacheValues = Float32Array | Uint16Array;

/** The key/value cache of one shared prompt prefix: per cache input, [1, kvHeads, length, headDim], in the cache's type. */
export interface PrefixCache {
  length: number;
  tensors: Map<string, CacheValues>;
}

/**
 * How an export's attention reads a batch, which decides how its rows may be batched:
 * - `masked`: plain attention ops (Optimum's export) apply the attention mask to every key and
 *   take positions from `position_ids`, so rows are padded on the left and padding is masked out;
 * - `sequence-lengths`: ONNX Runtime's GroupQueryAttention (onnxruntime-genai's builder) reads no
 *   mask, only each row's length (seqlens_k = the mask's sum - 1), and takes a row's new tokens to
 *   be its last ones, positions included: padding on the left would be attended to and shift the
 *   positions. Its CPU kernel also refuses more than one row when a cache is given ("batch_size
 *   must be 1 when sequence_length > 1 and past context is given", ONNX Runtime 1.30). So rows
 *   after a shared prefix run one per forward pass, and rows without one only with rows of their
 *   own length: such a batch needs no padding at all.
 */
export type DecoderAttention = 'masked' | 'sequence-lengths';

/** An export's attention, whether it takes position_ids (GroupQueryAttention with rotary inside computes them), and its cache's element type. */
export interface DecoderForm {
  attention: DecoderAttention;
  positionIds: boolean;
  cacheType: 'float32' | 'float16';
}

const cacheName = (layer: number, part: 'key' | 'value') => `past_key_values.${layer}.${part}`;
const presentName = (layer: number, part: 'key' | 'value') => `present.${layer}.${part}`;

const int64 = (values: ArrayLike<number>, dims: number[]) => new ort.Tensor('int64', BigInt64Array.from(Array.from(values), (v) => BigInt(v)), dims);

/** How rows may share a forward pass: the most rows, and the most tokens by which a row may be shorter than the batch's longest. */
export interface RowGrouping {
  maxRows: number;
  maxPadding: number;
}

export function rowGrouping(attention: DecoderAttention, prefix: PrefixCache | null): RowGrouping {
  if (attention === 'masked') return { maxRows: Number.POSITIVE_INFINITY, maxPadding: Number.POSITIVE_INFINITY };
  return { maxRows: prefix ? 1 : Number.POSITIVE_INFINITY, maxPadding: 0 };
}

/**
 * Batches (each longest row first, as planBatches gives them) split where one would hold more
 * than `maxRows` rows or a row shorter than its batch's first by more than `maxPadding` tokens.
 */
export function regroupBatches(batches: readonly (readonly number[])[], lengths: readonly number[], grouping: RowGrouping): number[][] {
  const split: number[][] = [];
  for (const batch of batches) {
    let current: number[] = [];
    for (const index of batch) {
      if (current.length > 0 && (current.length >= grouping.maxRows || lengths[current[0]] - lengths[index] > grouping.maxPadding)) {
        split.push(current);
        current = [];
      }
      current.push(index);
    }
    if (current.length > 0) split.push(current);
  }
  return split;
}

/**
 * The feeds of one batch of token rows after an optional cached prefix. For `masked` attention,
 * padded on the left as transformers pads a decoder: `input_ids` [rows, width] with `padId` first,
 * `attention_mask` [rows, prefix + width] (the prefix's 1s, then 0 for padding), `position_ids`
 * continuing the prefix's positions from each row's first real token (transformers'
 * cumsum(mask) - 1, padding at 1). For `sequence-lengths` attention the rows are of one length
 * (see DecoderAttention). position_ids are fed only where the graph takes them. The prefix's
 * cache is repeated for every row (empty without a prefix), and each row's last token, whose
 * logits give the score, is at the last position.
 */
export function decoderFeeds(
  rows: readonly (readonly number[])[],
  shape: CacheShape,
  padId: number,
  prefix: PrefixCache | null,
  form: DecoderForm = { attention: 'masked', positionIds: true, cacheType: 'float32' },
): Record<string, ort.Tensor> {
  const { attention } = form;
  const count = rows.length;
  const width = rows.reduce((max, row) => Math.max(max, row.length), 0);
  const past = prefix?.length ?? 0;
  const ids = new Array<number>(count * width);
  const mask = new Array<number>(count * (past + width));
  const positions = new Array<number>(count * width);
  rows.forEach((row, r) => {
    const pad = width - row.length;
    if (attention === 'sequence-lengths' && pad > 0) throw new Error('GroupQueryAttention rows of one batch must be of one length (see DecoderAttention)');
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
  };
  if (form.positionIds) feeds.position_ids = int64(positions, [count, width]);
  const block = past * shape.kvHeads * shape.headDim;
  for (let layer = 0; layer < shape.layers; layer++) {
    for (const part of ['key', 'value'] as const) {
      const data = form.cacheType === 'float16' ? new Uint16Array(count * block) : new Float32Array(count * block);
      const cached = prefix?.tensors.get(cacheName(layer, part));
      if (cached) for (let r = 0; r < count; r++) data.set(cached, r * block);
      feeds[cacheName(layer, part)] = new ort.Tensor(form.cacheType, data, [count, shape.kvHeads, past, shape.headDim]);
    }
  }
  return feeds;
}

/** The cache a one-row forward pass over a prefix left behind (its `present.*` outputs, kept in their own type to be fed back). */
export function prefixCacheFrom(outputs: ort.InferenceSession.ReturnType, shape: CacheShape, length: number): PrefixCache {
  const tensors = new Map<string, CacheValues>();
  for (let layer = 0; layer < shape.layers; layer++) {
    for (const part of ['key', 'value'] as const) {
      const present = outputs[presentName(layer, part)];
      if (!present) throw new Error(`the model has no ${presentName(layer, part)} output`);
      if (present.type !== 'float32' && present.type !== 'float16') throw new Error(`${presentName(layer, part)} has type ${present.type}; expected float32 or float16`);
      tensors.set(cacheName(layer, part), present.data as CacheValues);
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
