import { STARTER_MODEL_ID } from '../model/index.js';

/** What --model takes, for every command that runs a cross-encoder. */
export const MODEL_HELP = `model directory (Hugging Face layout with ONNX weights), or Hugging Face id org/name[@revision], fetched into the shared cache; ${STARTER_MODEL_ID} is the small offline starter model that ships with crossrank`;
