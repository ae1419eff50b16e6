/**
 * The one error type of the CLI: what went wrong, about which file or option,
 * and the exit code the process ends with.
 */
export type TrainerErrorCode =
  | 'BAD_CONFIG' // a config file or flag has a bad key or value
  | 'BAD_DATA' // a dataset path is missing, empty or unreadable
  | 'BAD_CHECKPOINT' // a checkpoint is corrupted, truncated or does not fit
  | 'DIVERGED' // the loss became NaN or infinite
  | 'BAD_INPUT'; // anything else the user gave

const EXIT_CODES: Record<TrainerErrorCode, number> = {
  BAD_CONFIG: 2,
  BAD_DATA: 3,
  BAD_CHECKPOINT: 4,
  DIVERGED: 5,
  BAD_INPUT: 2,
};

export class TrainerError extends Error {
  readonly code: TrainerErrorCode;
  /** The file the problem is about, when there is one. */
  readonly path?: string;

  constructor(code: TrainerErrorCode, message: string, options: { path?: string; cause?: unknown } = {}) {
    super(options.path != null ? `${options.path}: ${message}` : message, { cause: options.cause });
    this.name = 'TrainerError';
    this.code = code;
    this.path = options.path;
  }

  get exitCode(): number {
    return EXIT_CODES[this.code];
  }
}
