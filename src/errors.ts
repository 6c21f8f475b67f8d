/**
 * Errors that crossrank raises on purpose. Their message is one line that names the problem
 * (the file, the field, the line), so the CLI and the server can show it as it is, without a stack.
 */
export class CrossrankError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The model directory or one of its files is missing, unreadable or not what a reranker needs. */
export class ModelFormatError extends CrossrankError {}

/** The caller's input (query, documents, options) is invalid. */
export class InputError extends CrossrankError {}

/** `value` where it is a positive integer; otherwise an InputError naming the option. */
export function positiveIntegerOption(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new InputError(`${name} must be a positive integer, got ${value}`);
  return value;
}

/** A request part that does not fit the model whole, where cutting it was refused; `field` names it. */
export class TooLongError extends InputError {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
  }
}

/** Too much work is waiting for the model; retry after `retryAfterSeconds`. */
export class OverloadedError extends CrossrankError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/** The engine cannot score now: its model is `loading`, `failed` to load, or it is `closing`. */
export class NotReadyError extends CrossrankError {
  constructor(
    readonly state: 'loading' | 'failed' | 'closing',
    message: string,
  ) {
    super(message);
  }

  /** Loading and closing pass (a retry may find the model ready, or another instance); a failure stays. */
  get retryAfterSeconds(): number | undefined {
    return this.state === 'failed' ? undefined : 1;
  }
}

/**
 * The caller gave up (its AbortSignal fired) before its work was scored: `timeout` when the signal's
 * reason is a TimeoutError (AbortSignal.timeout), else `aborted`. What had not reached a forward pass
 * was never scored.
 */
export class CancelledError extends CrossrankError {
  constructor(
    readonly reason: 'timeout' | 'aborted',
    readonly retryAfterSeconds = 1,
  ) {
    super(reason === 'timeout' ? 'the work was cancelled: it timed out' : 'the work was cancelled: the caller went away');
  }

  static from(signal: AbortSignal, retryAfterSeconds?: number): CancelledError {
    const reason = signal.reason as Error | undefined;
    return new CancelledError(reason?.name === 'TimeoutError' ? 'timeout' : 'aborted', retryAfterSeconds);
  }
}
