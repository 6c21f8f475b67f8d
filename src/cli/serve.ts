import { Command, InvalidArgumentError, Option } from 'commander';
import type { FastifyInstance } from 'fastify';
import { STARTER_MODEL_ID } from '../rerank/crossEncoder.js';
import type { ServerEngineOptions } from '../server/app.js';
import { buildApp } from '../server/loadApp.js';
import { DEFAULT_SERVER_CONFIG, resolveServerConfig, SERVER_SETTINGS, type ServerSetting } from '../server/config.js';
import { engineOptions, engineSettingsFrom, OPTIONS, type EngineFlags } from './options.js';

interface ServeEngineFlags extends EngineFlags {
  model: string;
  logLevel: string;
}

type ServeFlags = ServeEngineFlags & { modelId?: string };

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function serveCommand(): Command {
  const command = new Command('serve')
    .description('serve a reranker over HTTP: Cohere (POST /v1/rerank, /v2/rerank) and TEI (POST /rerank) APIs')
    .addOption(OPTIONS.model(STARTER_MODEL_ID));
  const settingOptions = SERVER_SETTINGS.map((setting) => ({ setting, option: settingOption(setting) }));
  for (const { option } of settingOptions) command.addOption(option);
  for (const option of engineOptions()) command.addOption(option);
  return command
    .addOption(new Option('--log-level <level>', 'log level (JSON lines on stdout)').choices(LOG_LEVELS).default('info').env('CROSSRANK_LOG_LEVEL'))
    .action(async (flags: ServeFlags) => {
      // commander names a value after its flag (--api-key: apiKey); the config after the setting (apiKeys)
      const values = flags as unknown as Record<string, unknown>;
      const settings = Object.fromEntries(settingOptions.map(({ setting, option }) => [setting.key, values[option.attributeName()]]));
      const config = resolveServerConfig({ ...settings, modelId: flags.modelId ?? flags.model });
      const engine: ServerEngineOptions = engineSettingsFrom(flags);
      const app = await buildApp({ model: flags.model, engine, config, logger: { level: flags.logLevel } });
      closeOnSignals(app);
      await app.listen({ host: config.host, port: config.port });
      try {
        await app.crossrank.ready;
      } catch (error) {
        await app.close();
        throw error;
      }
      app.log.info({ model: config.modelId, ...app.crossrank.info }, 'model loaded and warmed up: ready');
    });
}

/** A flag that can also come from the environment (the flag wins); a bad value is commander's one-line error. */
function settingOption(setting: ServerSetting): Option {
  const fallback = DEFAULT_SERVER_CONFIG[setting.key];
  const shown = Array.isArray(fallback) || fallback === null || setting.key === 'modelId' ? '' : ` (default: ${String(fallback)})`;
  return new Option(setting.flag, `${setting.description}${shown}`).env(setting.env).argParser((value: string) => {
    try {
      return setting.parse(value);
    } catch (error) {
      throw new InvalidArgumentError((error as Error).message);
    }
  });
}

/**
 * SIGTERM / SIGINT: stop accepting connections, finish the requests in flight, free the model,
 * exit 0. A second signal exits at once.
 */
function closeOnSignals(app: FastifyInstance): void {
  let closing = false;
  const close = (signal: NodeJS.Signals): void => {
    if (closing) {
      process.stderr.write(`crossrank: ${signal} again: exiting without finishing requests\n`);
      process.exit(1);
    }
    closing = true;
    app.log.info(`${signal}: finishing requests in flight, then exiting`);
    app.close().then(
      () => {
        process.exitCode = 0;
      },
      (error: unknown) => {
        process.stderr.write(`crossrank: shutdown failed: ${(error as Error).message}\n`);
        process.exitCode = 1;
      },
    );
  };
  process.on('SIGTERM', close);
  process.on('SIGINT', close);
}
