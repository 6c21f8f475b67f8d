import type { FastifyInstance } from 'fastify';
import { requireOptionalPackages } from '../optionalPackages.js';
import type { AppOptions } from './app.js';

/**
 * buildApp (app.ts), loaded on first use: Fastify and prom-client are optional peer dependencies
 * that only the server needs, so neither `crossrank/server` nor the CLI loads them up front.
 */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  requireOptionalPackages('The rerank server', ['fastify', 'prom-client']);
  const app = await import('./app.js');
  return app.buildApp(options);
}
