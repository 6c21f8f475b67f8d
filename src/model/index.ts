export { locateModelFiles, locateTokenizerFiles, MODEL_VARIANTS, WEIGHT_FILES, type ModelFiles, type ModelVariant, type TokenizerFiles } from './modelFiles.js';
export { detectModelFamily, SUPPORTED_MODEL_TYPES } from './modelFamily.js';
export { parseModelConfig, defaultMaxLength, type ModelConfig } from './modelConfig.js';
export { openOnnxModel, type Device, type ModelSession, type OnnxModel, type SessionOptions, type ModelInputName, type IdTensorType } from './onnxSession.js';
export { readJsonObject } from './readJson.js';
export { openOnnxModelInWorker } from './workerSession.js';
export { STARTER_MODEL_DIR, STARTER_MODEL_ID } from './starterModel.js';
