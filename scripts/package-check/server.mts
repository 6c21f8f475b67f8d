// The server's public types, with its optional peers installed, under the same strict tsc.
import { buildApp, type AppOptions } from 'crossrank/server';

const options: AppOptions = { config: { apiKeys: ['secret'] } };
export const app = await buildApp(options);
