import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { fieldText, readFields } from './protobufWire.js';

// ONNX field numbers (onnx.proto3).
const MODEL_GRAPH = 7;
const GRAPH_NODE = 1;
const NODE_OP_TYPE = 4;
const NODE_DOMAIN = 7;

/** Reads a model file at given offsets, so that a graph's nodes are found without reading its (possibly inline) weights. */
class FileReader {
  private readonly fd: number;
  readonly size: number;
  constructor(path: string) {
    this.fd = openSync(path, 'r');
    this.size = fstatSync(this.fd).size;
  }

  bytes(at: number, length: number): Uint8Array {
    const buffer = new Uint8Array(length);
    const read = readSync(this.fd, buffer, 0, length, at);
    return buffer.subarray(0, read);
  }

  /** A varint at `at`: its value and the offset after it. */
  varint(at: number): [number, number] {
    const bytes = this.bytes(at, 10);
    let value = 0;
    let scale = 1;
    for (let i = 0; i < bytes.length; i++) {
      value += (bytes[i] & 0x7f) * scale;
      scale *= 128;
      if ((bytes[i] & 0x80) === 0) return [value, at + i + 1];
    }
    throw new Error('protobuf: truncated varint');
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** Each field of the message in [start, end): its number and the offsets of its payload (wire type 2) or value. */
function* fieldsAt(file: FileReader, start: number, end: number): Generator<{ field: number; at: number; length: number }> {
  let at = start;
  while (at < end) {
    const [tag, afterTag] = file.varint(at);
    const field = Math.floor(tag / 8);
    const wireType = tag % 8;
    if (wireType === 2) {
      const [length, payload] = file.varint(afterTag);
      yield { field, at: payload, length };
      at = payload + length;
    } else if (wireType === 0) at = file.varint(afterTag)[1];
    else if (wireType === 1) at = afterTag + 8;
    else if (wireType === 5) at = afterTag + 4;
    else throw new Error(`protobuf: unsupported wire type ${wireType}`);
  }
}

/**
 * The operators of a model file's main graph, as `domain:OpType` (`:MatMul` for ONNX's own,
 * `com.microsoft:GroupQueryAttention`). Only the node records are read: the initializers of a
 * model whose weights are inside the file are skipped over, not loaded.
 */
export function graphOperators(path: string): Set<string> {
  const file = new FileReader(path);
  try {
    const operators = new Set<string>();
    for (const model of fieldsAt(file, 0, file.size)) {
      if (model.field !== MODEL_GRAPH) continue;
      for (const entry of fieldsAt(file, model.at, model.at + model.length)) {
        if (entry.field !== GRAPH_NODE) continue;
        const node = readFields(file.bytes(entry.at, entry.length));
        const text = (number: number) => node.filter((f) => f.field === number).map(fieldText)[0] ?? '';
        operators.add(`${text(NODE_DOMAIN) === 'ai.onnx' ? '' : text(NODE_DOMAIN)}:${text(NODE_OP_TYPE)}`);
      }
    }
    return operators;
  } finally {
    file.close();
  }
}
