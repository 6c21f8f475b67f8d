import type { FastifyInstance } from 'fastify';
import { buildApp, type AppOptions } from '../../src/server/app.js';
import type { TestModelName } from '../../scripts/model-gen/testModels.js';
import { testModel } from './testModels.js';

export interface HttpResult<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export interface TestServer {
  app: FastifyInstance;
  url: string;
  post<T = unknown>(path: string, body: unknown, headers?: Record<string, string>): Promise<HttpResult<T>>;
  get<T = unknown>(path: string, headers?: Record<string, string>): Promise<HttpResult<T>>;
}

/** The real server on 127.0.0.1, a free port, with a generated test model; ready when it resolves. */
export async function startServer(options: Omit<AppOptions, 'model'> & { model?: TestModelName } = {}): Promise<TestServer> {
  const dir = (await testModel(options.model ?? 'tiny-bert')).dir;
  const app = await buildApp({ ...options, model: dir, engine: { variant: 'fp32', threads: 1, ...options.engine } });
  await app.listen({ host: '127.0.0.1', port: 0 });
  await app.crossrank.ready;
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('the server has no TCP address');
  const url = `http://127.0.0.1:${address.port}`;
  return {
    app,
    url,
    post: (path, body, headers = {}) =>
      request(`${url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }),
    get: (path, headers = {}) => request(`${url}${path}`, { headers }),
  };
}

async function request<T>(url: string, init: RequestInit): Promise<HttpResult<T>> {
  const response = await fetch(url, init);
  const text = await response.text();
  const type = response.headers.get('content-type') ?? '';
  return { status: response.status, headers: response.headers, body: (type.includes('json') ? JSON.parse(text) : text) as T };
}
