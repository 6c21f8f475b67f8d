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
