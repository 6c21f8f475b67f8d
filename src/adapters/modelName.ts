import { basename } from 'node:path';
import type { CrossEncoder } from '../rerank/crossEncoder.js';

/** The name an adapter reports for a loaded model: the caller's, else its directory's name. */
export function modelName(encoder: CrossEncoder, given: string | undefined): string {
  return given ?? basename(encoder.info.modelDir.replace(/[\\/]+$/, ''));
}
