export { locateModelFiles, locateTokenizerFiles, MODEL_VARIANTS, WEIGHT_FILES, type ModelFiles, type ModelVariant, type TokenizerFiles } from './modelFiles.js';
export { detectModelFamily, SUPPORTED_MODEL_TYPES } from './modelFamily.js';
export { parseModelConfig, defaultMaxLength, type ModelConfig } from './modelConfig.js';
export { DECODER_MODEL_TYPES, isDecoderConfig, parseDecoderConfig, type DecoderConfig } from './decoderConfig.js';
export { type Device, type SessionOptions, type ModelInputName, type IdTensorType } from './onnxSession.js';
/**
 * @internal The session's types are ONNX Runtime's, whose declarations need the DOM library; kept
 * out of the published .d.ts (tsconfig stripInternal) so a consumer's strict build does not check them.
 */
export { openOnnxModel, type ModelSession, type OnnxModel } from './onnxSession.js';
export { readJsonObject } from './readJson.js';
export { detectRerankerKind, hasJinaColbertMarkers, JINA_COLBERT_MARKERS, type RerankerKind } from './modelKind.js';
/** @internal */
export { openOnnxModelInWorker } from './workerSession.js';
export { STARTER_MODEL_DIR, STARTER_MODEL_ID } from './starterModel.js';

/** @internal */
export { answerLogitsWeights } from './answerLogitsGraph.js';
/** @internal */
export { graphOperators } from './graphOperators.js';
