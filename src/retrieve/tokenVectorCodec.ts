/**
 * How an index stores a document's token vectors (late interaction): each vector as a float32
 * scale then one int8 per dimension, value = int8 x scale, the scale being the vector's largest
 * magnitude / 127. So a token costs dimension + 4 bytes instead of 4 x dimension.
 *
 * Error bound: each component is off by at most scale / 2, so a stored vector is off by at most
 * sqrt(dimension) x scale / 2 in L2 norm, and (query vectors having norm 1) a MaxSim score by at
 * most query vectors x the largest such error among the document's vectors (`maxSimErrorBound`).
 */

/** One vector per token, row-major (the shape LateInteractionModel gives). */
export interface TokenVectorSet {
  data: Float32Array;
  count: number;
  dimension: number;
}

export const TOKEN_VECTOR_CODEC = 'int8-scaled';

export function bytesPerToken(dimension: number): number {
  return dimension + 4;
}

export function encodeTokenVectors(vectors: TokenVectorSet): Uint8Array {
  const { data, count, dimension } = vectors;
  const stride = bytesPerToken(dimension);
  const bytes = new Uint8Array(count * stride);
  const view = new DataView(bytes.buffer);
  for (let t = 0; t < count; t++) {
    let largest = 0;
    for (let c = 0; c < dimension; c++) largest = Math.max(largest, Math.abs(data[t * dimension + c]));
    const scale = Math.fround(largest / 127);
    view.setFloat32(t * stride, scale, true);
    for (let c = 0; c < dimension; c++) {
      const q = scale === 0 ? 0 : Math.round(data[t * dimension + c] / scale);
      view.setInt8(t * stride + 4 + c, Math.max(-127, Math.min(127, q)));
    }
  }
  return bytes;
}

export function decodeTokenVectors(bytes: Uint8Array, dimension: number): TokenVectorSet {
  const stride = bytesPerToken(dimension);
  if (bytes.length % stride !== 0) throw new Error(`stored token vectors: ${bytes.length} bytes is not a whole number of ${dimension}-dimensional vectors`);
  const count = bytes.length / stride;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const data = new Float32Array(count * dimension);
  for (let t = 0; t < count; t++) {
    const scale = view.getFloat32(t * stride, true);
    for (let c = 0; c < dimension; c++) data[t * dimension + c] = view.getInt8(t * stride + 4 + c) * scale;
  }
  return { data, count, dimension };
}

/** The most a MaxSim score over `queryVectors` unit query vectors can move when this document is stored (see above). */
export function maxSimErrorBound(bytes: Uint8Array, dimension: number, queryVectors: number): number {
  const stride = bytesPerToken(dimension);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let largest = 0;
  for (let offset = 0; offset < bytes.length; offset += stride) largest = Math.max(largest, view.getFloat32(offset, true));
  return (queryVectors * Math.sqrt(dimension) * largest) / 2;
}
