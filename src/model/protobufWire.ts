/**
 * The protobuf wire format, as much as a graph rewrite needs: a message is split into its fields
 * (kept as their original bytes, so that everything not edited is written back unchanged), and
 * new fields are encoded. No schema and no dependency: ONNX's field numbers are named where used.
 */

export interface WireField {
  field: number;
  wireType: number;
  /** The field's payload: for wire type 2 the bytes inside the length, else the raw value bytes. */
  payload: Uint8Array;
  /** The whole field as read (tag, length, payload). */
  bytes: Uint8Array;
}

function readVarint(buffer: Uint8Array, at: number): [value: number, next: number] {
  let value = 0;
  let scale = 1;
  for (let i = at; i < buffer.length; i++) {
    const byte = buffer[i];
    value += (byte & 0x7f) * scale; // arithmetic, not bitwise: lengths may exceed 2^31
    scale *= 128;
    if ((byte & 0x80) === 0) return [value, i + 1];
  }
  throw new Error('protobuf: truncated varint');
}

/** The value of a varint field's payload. */
export function varintValue(payload: Uint8Array): number {
  return readVarint(payload, 0)[0];
}

export function encodeVarint(value: number): Uint8Array {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest % 128) | 0x80);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return Uint8Array.from(bytes);
}

/** The fields of one message, in order. */
export function readFields(message: Uint8Array): WireField[] {
  const fields: WireField[] = [];
  let at = 0;
  while (at < message.length) {
    const start = at;
    const [tag, afterTag] = readVarint(message, at);
    const field = Math.floor(tag / 8);
    const wireType = tag % 8;
    let payloadStart = afterTag;
    let end: number;
    if (wireType === 0) end = readVarint(message, afterTag)[1];
    else if (wireType === 1) end = afterTag + 8;
    else if (wireType === 5) end = afterTag + 4;
    else if (wireType === 2) {
      const [length, afterLength] = readVarint(message, afterTag);
      payloadStart = afterLength;
      end = afterLength + length;
    } else throw new Error(`protobuf: unsupported wire type ${wireType}`);
    if (end > message.length) throw new Error('protobuf: truncated field');
    fields.push({ field, wireType, payload: message.subarray(payloadStart, end), bytes: message.subarray(start, end) });
    at = end;
  }
  return fields;
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** A length-delimited field (a string, bytes or a nested message). */
export function lengthField(field: number, payload: Uint8Array | string): Uint8Array {
  const bytes = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload;
  return concatBytes([encodeVarint(field * 8 + 2), encodeVarint(bytes.length), bytes]);
}

export function varintField(field: number, value: number): Uint8Array {
  return concatBytes([encodeVarint(field * 8), encodeVarint(value)]);
}

export const fieldText = (field: WireField): string => new TextDecoder().decode(field.payload);
