// One error type for the whole code base. `code` decides how interfaces report it
// (CLI exit code, HTTP status) in one place: see `exitCodeFor` and `httpStatusFor`.

export type ErrorCode =
  | 'config' // bad configuration file, env override or flag value
  | 'invalid-input' // the caller asked for something malformed
  | 'not-found' // a named workspace, collection or document does not exist
  | 'parse' // a file could not be turned into text (per-file, never fatal to a run)
  | 'unavailable' // a dependency (model, OCR engine, disk) could not be used
  | 'unauthorized' // no credential, or one that is unknown, expired or revoked
  | 'forbidden' // a valid credential whose role does not allow the operation
  | 'conflict' // the operation clashes with the current state (e.g. a sync already running)
  | 'rate-limited' // too many requests for this credential; `details.retryAfterSeconds` says when to retry
  | 'integrity' // stored data failed a check (e.g. a broken audit hash chain)
  | 'internal'; // a bug or an unexpected failure

export interface StrataErrorOptions {
  cause?: unknown;
  /** Structured detail a caller can act on (key, file, allowed values…). */
  details?: Record<string, unknown>;
  /** A sentence telling the user what to do next. */
  hint?: string;
}

export class StrataError extends Error {
  override readonly name = 'StrataError';
  readonly code: ErrorCode;
  readonly component: string;
  readonly details: Record<string, unknown>;
  readonly hint: string | undefined;

  constructor(component: string, code: ErrorCode, message: string, options: StrataErrorOptions = {}) {
    super(`[strata] [${component}] ${message}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.component = component;
    this.code = code;
    this.details = options.details ?? {};
    this.hint = options.hint;
  }
}

export const isStrataError = (e: unknown): e is StrataError => e instanceof StrataError;

/** Per-file parse failure reasons, recorded in sync state and shown by `strata status`. */
export type ParseFailureKind =
  | 'corrupt'
  | 'encrypted'
  | 'empty'
  | 'unsupported'
  | 'too-large'
  | 'encoding'
  | 'no-text'
  | 'unreadable';

export function parseError(parser: string, kind: ParseFailureKind, message: string, cause?: unknown): StrataError {
  return new StrataError(`parser:${parser}`, 'parse', message, { cause, details: { kind } });
}

/** User errors exit 2, everything else 1 (documented in the README). */
export function exitCodeFor(err: unknown): 1 | 2 {
  if (!isStrataError(err)) return 1;
  return err.code === 'config' || err.code === 'invalid-input' || err.code === 'not-found' ? 2 : 1;
}

const HTTP_STATUS: Record<ErrorCode, number> = {
  config: 400,
  'invalid-input': 400,
  'not-found': 404,
  parse: 400,
  unauthorized: 401,
  forbidden: 403,
  conflict: 409,
  'rate-limited': 429,
  unavailable: 503,
  integrity: 500,
  internal: 500,
};

/** The HTTP status of an error; anything that is not a StrataError is a 500. */
export function httpStatusFor(err: unknown): number {
  return isStrataError(err) ? HTTP_STATUS[err.code] : 500;
}

/** A short, secret-free message for users; the `[strata] [component]` prefix is kept. */
export function describeError(err: unknown): string {
  if (isStrataError(err)) return err.hint ? `${err.message}\n  hint: ${err.hint}` : err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}
