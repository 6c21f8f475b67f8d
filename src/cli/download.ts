import { Command } from 'commander';
import { InputError } from '../errors.js';
import { parseHubId, resolveHubModel } from '../hub/index.js';
import type { ModelVariant } from '../rerank/crossEncoder.js';
import { OPTIONS } from './options.js';

interface DownloadFlags {
  revision?: string;
  variant?: ModelVariant;
  cacheDir?: string;
  tokenizerOnly?: boolean;
  quiet?: boolean;
}

export function downloadCommand(): Command {
  return new Command('download')
    .description('fetch a model from the Hugging Face hub into the shared cache (the one huggingface_hub uses) and print its folder')
    .argument('<id>', 'model id: org/name, or org/name@revision')
    .option('--revision <rev>', 'branch, tag or commit sha (default: main)')
    .addOption(OPTIONS.variant('weights to fetch (default: quantized where present, else fp32)'))
    .option('--tokenizer-only', 'fetch only the config and tokenizer files')
    .option('--cache-dir <dir>', 'the cache (default: $HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub)')
    .addOption(OPTIONS.quiet())
    .action(async (id: string, flags: DownloadFlags) => {
      const ref = parseHubId(id);
      if (!ref) throw new InputError(`"${id}" is not a Hugging Face model id (org/name or org/name@revision)`);
      const dir = await resolveHubModel(ref, {
        revision: flags.revision,
        variant: flags.variant,
        tokenizerOnly: flags.tokenizerOnly,
        cacheDir: flags.cacheDir,
        quiet: flags.quiet,
      });
      process.stdout.write(`${dir}\n`);
    });
}
