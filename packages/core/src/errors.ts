/**
 * The one error convention of every TrajectoryNet package: an error has a
 * `code` (what kind of problem), an optional `path` (the file, folder, key or
 * option at fault) and an optional `cause`. Packages subclass it only to give
 * it their name; command lines map the code's category to an exit code and
 * print one line, never a stack trace, for anything that is not a bug.
 */

/** What the user can do about it, which decides the exit code. */
export type ErrorCategory =
  | 'input' // a bad option, argument, config key or value: fix the command
  | 'data' // a dataset file or folder is missing, damaged or inconsistent
  | 'checkpoint' // a checkpoint cannot be read or does not fit
  | 'diverged' // training produced NaN or infinite values
  | 'environment' // the machine: disk full, folder not writable, a program or server missing
  | 'distributed' // another rank of a distributed run died, hung or never arrived: the whole group stops
  | 'internal'; // a bug or an unexpected failure

/** Exit codes of every TrajectoryNet command line, by category. */
export const EXIT_CODES: Readonly<Record<ErrorCategory, number>> = {
  internal: 1,
  input: 2,
  data: 3,
  checkpoint: 4,
  diverged: 5,
  environment: 6,
  distributed: 7,
};

/** The category of each code used across the packages; an unknown code is 'internal'. */
export const ERROR_CODES = {
  BAD_ARGUMENT: 'input',
  BAD_CONFIG: 'input',
  BAD_INPUT: 'input',
  UNKNOWN_BACKEND: 'input',
  ENOENT: 'data',
  CORRUPT: 'data',
  TRUNCATED: 'data',
  OUT_OF_RANGE: 'data',
  BAD_MANIFEST: 'data',
  BAD_DATA: 'data',
  TOO_FEW_FRAMES: 'data',
  BAD_CHECKPOINT: 'checkpoint',
  DIVERGED: 'diverged',
  DISK_FULL: 'environment',
  NOT_WRITABLE: 'environment',
  NO_FFMPEG: 'environment',
  BACKEND_UNAVAILABLE: 'environment',
  REDIS_UNREACHABLE: 'environment',
  DIST_UNAVAILABLE: 'environment',
  RANK_MISMATCH: 'input',
  RANK_LOST: 'distributed',
  RANK_TIMEOUT: 'distributed',
  WORKER: 'internal',
  INTERNAL: 'internal',
} as const satisfies Record<string, ErrorCategory>;

export type ErrorCode = keyof typeof ERROR_CODES;

// A brand instead of instanceof alone: two copies of this package in one
// process (an app and a library resolving different versions) still agree.
const BRAND = Symbol.for('@trajectorynet/error');

export interface ErrorDetails {
  /** The file, folder, config key or option the problem is about. */
  path?: string;
  cause?: unknown;
}

export class TrajectoryNetError<Code extends ErrorCode = ErrorCode> extends Error {
  readonly code: Code;
  readonly path?: string;

  constructor(code: Code, message: string, details: ErrorDetails = {}) {
    super(details.path != null ? `${details.path}: ${message}` : message, details.cause !== undefined ? { cause: details.cause } : undefined);
    this.name = 'TrajectoryNetError';
    this.code = code;
    if (details.path != null) this.path = details.path;
    Object.defineProperty(this, BRAND, { value: true });
  }

  get category(): ErrorCategory {
    return categoryOf(this.code);
  }
}

export function isTrajectoryNetError(error: unknown): error is TrajectoryNetError {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[BRAND] === true;
}

export function categoryOf(code: string): ErrorCategory {
  return (ERROR_CODES as Record<string, ErrorCategory>)[code] ?? 'internal';
}

/** The exit code a command line ends with for `error` (1 for anything that is not a TrajectoryNetError). */
export function exitCodeFor(error: unknown): number {
  return isTrajectoryNetError(error) ? EXIT_CODES[error.category] : EXIT_CODES.internal;
}

/**
 * What a command line prints: one line for a TrajectoryNetError that is not
 * internal; the stack for internal errors and anything else (those are bugs
 * to report).
 */
export function describeError(error: unknown): string {
  if (isTrajectoryNetError(error) && error.category !== 'internal') return error.message;
  if (error instanceof Error) return error.stack ?? error.message;
  return String(error);
}
