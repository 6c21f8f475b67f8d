import { createHash } from 'node:crypto';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

/**
 * Lays out files as Python's huggingface_hub (hf_hub_download) leaves them, written by hand from
 * its documented layout, with no crossrank code involved: blobs named by ETag (sha256 for LFS
 * files, the git blob sha1 for the others), relative symlinks from snapshots/, refs/<name> holding
 * the bare commit sha, the empty .lock files it leaves in .locks/, a .no_exist marker and the
 * CACHEDIR.TAG.
 */
export function writePythonStyleCache(cacheDir: string, id: string, commit: string, files: Record<string, Buffer>, refs: string[] = ['main']): void {
  const folder = `models--${id.replace('/', '--')}`;
  const root = join(cacheDir, folder);
  for (const [path, content] of Object.entries(files)) {
    const etag = /\.(onnx|onnx_data|safetensors|bin)$/.test(path)
      ? createHash('sha256').update(content).digest('hex')
      : createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex');
    const blob = join(root, 'blobs', etag);
    mkdirSync(dirname(blob), { recursive: true });
    writeFileSync(blob, content);
    const pointer = join(root, 'snapshots', commit, ...path.split('/'));
    mkdirSync(dirname(pointer), { recursive: true });
    symlinkSync(relative(dirname(pointer), blob), pointer);
    mkdirSync(join(cacheDir, '.locks', folder), { recursive: true });
    writeFileSync(join(cacheDir, '.locks', folder, `${etag}.lock`), '');
  }
  for (const ref of refs) {
    mkdirSync(join(root, 'refs'), { recursive: true });
    writeFileSync(join(root, 'refs', ref), commit);
  }
  mkdirSync(join(root, '.no_exist', commit), { recursive: true });
  writeFileSync(join(root, '.no_exist', commit, 'added_tokens.json'), '');
  writeFileSync(join(cacheDir, 'CACHEDIR.TAG'), 'Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by huggingface_hub.\n');
}
