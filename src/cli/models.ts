import { Command } from 'commander';
import { defaultCacheDir, formatBytes, listCachedModels, type CachedModel } from '../hub/index.js';

interface ModelsFlags {
  cacheDir?: string;
  json?: boolean;
}

/** `main → 1a2b3c4d5e6f`, one per ref, then snapshots no ref points to. */
function revisions(model: CachedModel): string {
  const named = Object.entries(model.refs).map(([ref, commit]) => `${ref} → ${commit.slice(0, 12)}`);
  const pointed = new Set(Object.values(model.refs));
  const detached = model.snapshots.filter((commit) => !pointed.has(commit)).map((commit) => commit.slice(0, 12));
  return [...named, ...detached].join(', ') || '-';
}

export function formatModelsTable(models: readonly CachedModel[]): string {
  const rows = models.map((model) => [model.id, formatBytes(model.sizeOnDisk), revisions(model)]);
  const header = ['model', 'size', 'revisions'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, column) => (column === 1 ? cell.padStart(widths[column]) : column === cells.length - 1 ? cell : cell.padEnd(widths[column])))
      .join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}

export function modelsCommand(): Command {
  return new Command('models')
    .description('list the models in the Hugging Face cache, with their size on disk and revisions (whichever tool downloaded them)')
    .option('--cache-dir <dir>', 'the cache (default: $HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub)')
    .option('--json', 'print JSON [{"id", "path", "sizeOnDisk", "refs", "snapshots", "lastModified"}]')
    .action((flags: ModelsFlags) => {
      const cacheDir = flags.cacheDir ?? defaultCacheDir();
      const models = listCachedModels(cacheDir);
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(models)}\n`);
        return;
      }
      if (models.length === 0) {
        process.stdout.write(`no models in ${cacheDir}\n`);
        return;
      }
      const total = models.reduce((sum, model) => sum + model.sizeOnDisk, 0);
      process.stdout.write(`${formatModelsTable(models)}\n${models.length} model${models.length === 1 ? '' : 's'}, ${formatBytes(total)} in ${cacheDir}\n`);
    });
}
