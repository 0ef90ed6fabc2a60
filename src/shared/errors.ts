// Typed environment and programmer errors with stable codes (undici's errors.ts idea).
// Bad traffic never throws: it becomes an AnomalyCode. These are for the environment
// (config, capture, files) and for invariants that only a bug can break.

export type ErrorCode =
  | 'E_CONFIG'
  | 'E_ARGS'
  | 'E_CAPTURE_OPEN'
  | 'E_CAPTURE_FILE'
  | 'E_WORKER_CRASHED'
  | 'E_INVARIANT';

export class MailtapError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Bad configuration or arguments: exit 1. `problems` lists every error with its key path. */
export class ConfigError extends MailtapError {
  readonly problems: readonly string[];
  constructor(message: string, problems: readonly string[] = []) {
    super('E_CONFIG', message);
    this.problems = problems;
  }
}

/** A live capture could not be opened: exit 2. */
export class CaptureError extends MailtapError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_CAPTURE_OPEN', message, options);
  }
}

/** An unreadable or corrupt capture file: exit 3. */
export class CaptureFileError extends MailtapError {
  readonly file: string;
  readonly offset: number;
  constructor(file: string, offset: number, reason: string) {
    super('E_CAPTURE_FILE', `${file}: ${reason} at byte offset ${offset}`);
    this.file = file;
    this.offset = offset;
  }
}

export class WorkerCrashedError extends MailtapError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_WORKER_CRASHED', message, options);
  }
}

export class InvariantError extends MailtapError {
  constructor(message: string) {
    super('E_INVARIANT', message);
  }
}
