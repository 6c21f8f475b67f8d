import { Worker } from 'node:worker_threads';
import type * as ort from 'onnxruntime-node';
import { ModelFormatError } from '../errors.js';
import type { ModelSession, OnnxModel, SessionOptions } from './onnxSession.js';
import { fromWire, mapTensors, toWire, type FromWorker, type ToWorker, type WorkerStart } from './workerWire.js';

function startWorker(start: WorkerStart): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./inferenceWorker.js', import.meta.url), { workerData: start });
  // Running from the TypeScript sources (tests, tsx): a worker does not inherit tsx's loader, so
  // it registers it before it imports the entry.
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const entry = JSON.stringify(new URL('./inferenceWorker.ts', import.meta.url).href);
  return new Worker(`import(${tsx}).then(({ register }) => { register(); return import(${entry}); })`, { eval: true, workerData: start });
}

interface Pending {
  resolve(outputs: ort.InferenceSession.ReturnType): void;
  reject(error: Error): void;
}

/**
 * Opens the model on a worker thread: the same session as openOnnxModel, but a forward pass
 * leaves the caller's event loop free (a server keeps answering while a batch runs).
 * Batches sent while one runs wait their turn in the worker.
 */
/** @internal */
export async function openOnnxModelInWorker(weightsPath: string, options: SessionOptions = {}): Promise<OnnxModel> {
  const start: WorkerStart = { weightsPath, options };
  const worker = startWorker(start);
  const opened = await new Promise<Extract<FromWorker, { kind: 'opened' }>>((resolve, reject) => {
    const onExit = (code: number): void => reject(new ModelFormatError(`${weightsPath}: the inference worker exited (code ${code}) before the model was loaded`));
    worker.once('error', reject);
    worker.once('exit', onExit);
    worker.once('message', (message: FromWorker) => {
      worker.off('error', reject);
      worker.off('exit', onExit);
      if (message.kind === 'opened') resolve(message);
      else if (message.kind === 'failed') reject(message.name === 'ModelFormatError' ? new ModelFormatError(message.message) : new Error(message.message));
      else reject(new Error(`inference worker sent ${message.kind} before it opened the model`));
    });
  });
  return { session: new WorkerSession(worker), inputs: new Map(opened.inputs), outputName: opened.outputName, decoderInputs: opened.decoderInputs, cacheType: opened.cacheType };
}

class WorkerSession implements ModelSession {
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private failure: Error | null = null;
  private released: Promise<void> | null = null;

  constructor(private readonly worker: Worker) {
    worker.unref(); // an idle session must not keep the process alive; see track()
    worker.on('message', (message: FromWorker) => this.onMessage(message));
    worker.on('error', (error: Error) => this.fail(error));
    worker.on('exit', (code) => this.fail(new Error(`the inference worker exited (code ${code})`)));
  }

  run(feeds: Record<string, ort.Tensor>): Promise<ort.InferenceSession.ReturnType> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.released) return Promise.reject(new Error('the session is released'));
    const id = this.nextId++;
    const result = new Promise<ort.InferenceSession.ReturnType>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    this.track();
    this.post({ kind: 'run', id, feeds: mapTensors(feeds, toWire) });
    return result;
  }

  release(): Promise<void> {
    this.released ??= (async () => {
      if (this.failure) return;
      const done = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
      this.worker.ref();
      this.post({ kind: 'release' });
      await done;
    })();
    return this.released;
  }

  private onMessage(message: FromWorker): void {
    if (message.kind !== 'result' && message.kind !== 'error') return;
    const call = this.pending.get(message.id);
    if (!call) return;
    this.pending.delete(message.id);
    this.track();
    if (message.kind === 'result') call.resolve(mapTensors(message.outputs, fromWire));
    else call.reject(new Error(message.message));
  }

  private post(message: ToWorker): void {
    this.worker.postMessage(message);
  }

  /** Keeps the process alive while a batch is out, so awaiting its result cannot end the program. */
  private track(): void {
    if (this.pending.size > 0) this.worker.ref();
    else this.worker.unref();
  }

  private fail(error: Error): void {
    if (this.released && this.pending.size === 0) return; // the exit that release() asked for
    this.failure ??= error;
    for (const call of this.pending.values()) call.reject(this.failure);
    this.pending.clear();
    this.worker.unref();
  }
}
