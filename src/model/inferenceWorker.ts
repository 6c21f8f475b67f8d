/**
 * Worker-thread entry: owns one ONNX Runtime session and runs batches for the thread that
 * started it. onnxruntime-node's `run` executes on the calling thread, so a forward pass on the
 * main thread stalls its event loop for the whole pass (seconds for a large batch).
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { openOnnxModel, type OnnxModel } from './onnxSession.js';
import { fromWire, mapTensors, toWire, type FromWorker, type ToWorker, type WorkerStart } from './workerWire.js';

if (!parentPort) throw new Error('inferenceWorker must run as a worker thread');
const port: MessagePort = parentPort;
const post = (message: FromWorker): void => port.postMessage(message);
const start = workerData as WorkerStart;

try {
  const model = await openOnnxModel(start.weightsPath, start.options);
  post({ kind: 'opened', inputs: [...model.inputs.entries()], outputName: model.outputName, decoderInputs: model.decoderInputs, cacheType: model.cacheType });
  port.on('message', (message: ToWorker) => void handle(model, message));
} catch (error) {
  post({ kind: 'failed', name: (error as Error).name ?? 'Error', message: (error as Error).message ?? String(error) });
  port.close(); // nothing else holds the thread: it ends once the message is out
}

async function handle(model: OnnxModel, message: ToWorker): Promise<void> {
  if (message.kind === 'release') {
    await model.session.release();
    post({ kind: 'released' });
    port.close();
    return;
  }
  try {
    const outputs = await model.session.run(mapTensors(message.feeds, fromWire));
    post({ kind: 'result', id: message.id, outputs: mapTensors(outputs, toWire) });
  } catch (error) {
    post({ kind: 'error', id: message.id, message: (error as Error).message ?? String(error) });
  }
}
