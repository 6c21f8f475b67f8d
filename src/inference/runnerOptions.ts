import type { HubOptions } from '../hub/index.js';
import type { Device, ModelVariant } from '../model/index.js';

/** How to open a model: where from (hub options apply to hub ids), which weights, where it runs. */
export interface RunnerOptions extends HubOptions {
  /** fp32, quantized (int8), fp16 or q4 (4-bit MatMulNBits) weights; default: quantized on CPU where the model has them, else fp32. */
  variant?: ModelVariant;
  device?: Device;
  /** ONNX Runtime intra-op threads; default: the machine's cores. */
  threads?: number;
  /** Run forward passes on a worker thread, so a long batch never stalls the event loop (servers); default false. */
  worker?: boolean;
}
