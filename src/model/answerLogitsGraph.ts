import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { concatBytes, fieldText, lengthField, readFields, varintField, varintValue, type WireField } from './protobufWire.js';

// ONNX field numbers (onnx.proto3).
const MODEL_GRAPH = 7;
const GRAPH_NODE = 1;
const GRAPH_INITIALIZER = 5;
const GRAPH_OUTPUT = 12;
const NODE_INPUT = 1;
const NODE_OUTPUT = 2;
const NODE_NAME = 3;
const NODE_OP_TYPE = 4;
const NODE_ATTRIBUTE = 5;
const NODE_DOMAIN = 7;
const ATTRIBUTE_NAME = 1;
const ATTRIBUTE_I = 3;
const ATTRIBUTE_TYPE = 20;
const ATTRIBUTE_TYPE_INT = 2;
const TENSOR_DIMS = 1;
const TENSOR_DATA_TYPE = 2;
const TENSOR_NAME = 8;
const TENSOR_RAW_DATA = 9;
const TENSOR_INT64 = 7;
const VALUE_INFO_NAME = 1;
const VALUE_INFO_TYPE = 2;
const TYPE_TENSOR = 1;
const TENSOR_TYPE_ELEM_TYPE = 1;

const PREFIX = 'crossrank_answer';

function int64Initializer(name: string, values: readonly number[], dims: readonly number[]): Uint8Array {
  const raw = new BigInt64Array(values.map((v) => BigInt(v)));
  return lengthField(
    GRAPH_INITIALIZER,
    concatBytes([
      ...dims.map((d) => varintField(TENSOR_DIMS, d)),
      varintField(TENSOR_DATA_TYPE, TENSOR_INT64),
      lengthField(TENSOR_NAME, name),
      lengthField(TENSOR_RAW_DATA, new Uint8Array(raw.buffer)),
    ]),
  );
}

function node(opType: string, inputs: readonly string[], output: string, attributes: Uint8Array[] = []): Uint8Array {
  return lengthField(
    GRAPH_NODE,
    concatBytes([
      ...inputs.map((input) => lengthField(NODE_INPUT, input)),
      lengthField(NODE_OUTPUT, output),
      lengthField(NODE_NAME, `/${PREFIX}/${opType}`),
      lengthField(NODE_OP_TYPE, opType),
      ...attributes,
    ]),
  );
}

const intAttribute = (name: string, value: number) =>
  lengthField(NODE_ATTRIBUTE, concatBytes([lengthField(ATTRIBUTE_NAME, name), varintField(ATTRIBUTE_I, value), varintField(ATTRIBUTE_TYPE, ATTRIBUTE_TYPE_INT)]));

const strings = (fields: WireField[], number: number) => fields.filter((f) => f.field === number).map(fieldText);

/** The element type a graph output declares (its TypeProto.tensor_type.elem_type). */
function elemType(valueInfo: WireField[]): number | undefined {
  const type = valueInfo.find((f) => f.field === VALUE_INFO_TYPE);
  const tensor = type && readFields(type.payload).find((f) => f.field === TYPE_TENSOR);
  const elem = tensor && readFields(tensor.payload).find((f) => f.field === TENSOR_TYPE_ELEM_TYPE);
  return elem ? varintValue(elem.payload) : undefined;
}

/**
 * A causal LM's graph rewritten so that `logits` is only what a yes/no score reads: the last
 * position's hidden state times the answer tokens' columns of the output matrix, [batch, 1,
 * tokens], instead of [batch, sequence, vocabulary]. The graph's `logits` node must be a plain
 * MatMul (hidden states × [hidden, vocab] matrix, a weight or the transposed tied embeddings);
 * ONNX Runtime folds the column Gather of a constant matrix at load. Returns null for any other
 * head (a quantized MatMulNBits, a Gemm), which then runs uncut.
 */
export function answerLogitsGraph(model: Uint8Array, tokenIds: readonly number[]): Uint8Array | null {
  const modelFields = readFields(model);
  const graphField = modelFields.find((f) => f.field === MODEL_GRAPH);
  if (!graphField) return null;
  const graphFields = readFields(graphField.payload);
  const headAt = graphFields.findIndex((f) => f.field === GRAPH_NODE && strings(readFields(f.payload), NODE_OUTPUT).includes('logits'));
  if (headAt < 0) return null;
  const head = readFields(graphFields[headAt].payload);
  const domain = strings(head, NODE_DOMAIN)[0] ?? '';
  const [hidden, matrix] = strings(head, NODE_INPUT);
  if (strings(head, NODE_OP_TYPE)[0] !== 'MatMul' || domain !== '' || !hidden || !matrix) return null;
  const outputAt = graphFields.findIndex((f) => f.field === GRAPH_OUTPUT && strings(readFields(f.payload), VALUE_INFO_NAME)[0] === 'logits');
  if (outputAt < 0) return null;
  const type = elemType(readFields(graphFields[outputAt].payload)) ?? 1;

  const name = (what: string) => `${PREFIX}/${what}`;
  const replacement = concatBytes([
    int64Initializer(name('starts'), [-1], [1]),
    int64Initializer(name('ends'), [Number.MAX_SAFE_INTEGER], [1]),
    int64Initializer(name('axes'), [1], [1]),
    int64Initializer(name('token_ids'), tokenIds, [tokenIds.length]),
    node('Slice', [hidden, name('starts'), name('ends'), name('axes')], name('last_hidden')),
    node('Gather', [matrix, name('token_ids')], name('answer_columns'), [intAttribute('axis', 1)]),
    node('MatMul', [name('last_hidden'), name('answer_columns')], 'logits'),
  ]);
  // logits keeps its name and element type; its shape is now [batch, 1, tokens], so none is declared.
  const output = lengthField(
    GRAPH_OUTPUT,
    concatBytes([lengthField(VALUE_INFO_NAME, 'logits'), lengthField(VALUE_INFO_TYPE, lengthField(TYPE_TENSOR, varintField(TENSOR_TYPE_ELEM_TYPE, type)))]),
  );
  const graph = concatBytes(graphFields.map((f, i) => (i === headAt ? replacement : i === outputAt ? output : f.bytes)));
  return concatBytes(modelFields.map((f) => (f.field === MODEL_GRAPH ? lengthField(MODEL_GRAPH, graph) : f.bytes)));
}

/**
 * The path of `weights` with its output cut to `tokenIds` (see answerLogitsGraph), written once
 * beside it (so external data files resolve as for the original) and reused; null where the head
 * cannot be cut or the folder cannot be written.
 */
export function answerLogitsWeights(weights: string, tokenIds: readonly number[]): string | null {
  const cut = join(dirname(weights), `${basename(weights, '.onnx')}.answer-${tokenIds.join('-')}.onnx`);
  // Reused while newer than the weights (a re-downloaded model is cut again).
  const cutTime = statSync(cut, { throwIfNoEntry: false })?.mtimeMs;
  const { mtimeMs, size } = statSync(weights);
  if (cutTime !== undefined && cutTime >= mtimeMs) return cut;
  // A graph file is under protobuf's 2 GB (bigger models keep their weights in external data,
  // which the cut graph references unchanged); anything larger is left to ONNX Runtime to refuse.
  if (size >= 2 ** 31) return null;
  const rewritten = answerLogitsGraph(readFileSync(weights), tokenIds);
  if (!rewritten) return null;
  try {
    const temp = `${cut}.${process.pid}.tmp`;
    writeFileSync(temp, rewritten);
    renameSync(temp, cut);
    return cut;
  } catch {
    return null;
  }
}
