import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureTestModel } from '../../scripts/model-gen/ensureTestModel.js';

/** The files of the tiny-bert test model as a hub repo has them, plus files a reranker does not need. */
export async function tinyBertRepoFiles(): Promise<Record<string, Buffer>> {
  const dir = await ensureTestModel('tiny-bert');
  const files: Record<string, Buffer> = {};
  for (const path of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'vocab.txt', 'onnx/model.onnx', 'onnx/model_quantized.onnx']) {
    files[path] = readFileSync(join(dir, path));
  }
  files['README.md'] = Buffer.from('# tiny-bert\nA generated test model.\n');
  files['.gitattributes'] = Buffer.from('*.onnx filter=lfs diff=lfs merge=lfs -text\n');
  // PyTorch weights the resolver must leave on the hub
  files['model.safetensors'] = Buffer.alloc(1024, 7);
  return files;
}

export function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `crossrank-${prefix}-`));
}

/** Runs `work` without the hub variables of the machine running the tests (a developer's HF_TOKEN, ...). */
export const HUB_ENV_VARS = ['HF_TOKEN', 'HUGGING_FACE_HUB_TOKEN', 'HF_ENDPOINT', 'HF_HOME', 'HF_HUB_CACHE', 'HUGGINGFACE_HUB_CACHE', 'HF_HUB_OFFLINE', 'TRANSFORMERS_OFFLINE', 'HF_HUB_DISABLE_PROGRESS_BARS', 'HF_HUB_ETAG_TIMEOUT', 'HF_HUB_DOWNLOAD_TIMEOUT'];

export function clearHubEnv(): void {
  for (const name of HUB_ENV_VARS) delete process.env[name];
}

/** Sets environment variables for the duration of `work`. */
export async function withEnv<T>(vars: Record<string, string>, work: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((name) => [name, process.env[name]]));
  Object.assign(process.env, vars);
  try {
    return await work();
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

/** An endpoint on a loopback port nothing listens on: connecting is refused at once, as with a hub out of reach. */
export async function closedPortEndpoint(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
