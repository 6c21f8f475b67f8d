import { CrossrankError } from '../errors.js';

/**
 * What went wrong talking to the hub or its cache. The resolver decides by the kind, not the
 * text, whether the cache may stand in (a network failure) or the answer is final (a bad id).
 */
export type HubErrorKind =
  | 'not-found' // the repo or a file does not exist (404)
  | 'unauthorized' // 401: private, gated or missing, and no (valid) token
  | 'forbidden' // 403: gated or no access with this token
  | 'revision-not-found'
  | 'network' // no answer: DNS, refused, reset, timed out
  | 'server' // 5xx or 429
  | 'unsupported' // the repo has no ONNX weights or no tokenizer.json
  | 'integrity' // a download does not match its sha256 or size
  | 'disk' // the cache cannot be written (full, read-only)
  | 'not-cached' // offline and the cache lacks the model
  | 'protocol'; // the endpoint does not answer like a Hugging Face hub

/** A model could not be found, downloaded or read from the Hugging Face cache. */
export class HubError extends CrossrankError {
  constructor(
    readonly kind: HubErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
