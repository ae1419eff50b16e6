/**
 * The one worker-thread pool of the project, on piscina: tasks are queued,
 * a worker that dies (crash, out of memory) is replaced and its task fails
 * with a WORKER error naming the task, never hangs; tasks take an abort
 * signal; `threads: 0` runs the same function in this thread.
 *
 * A worker module is written with `defineWorker(fn)`; errors thrown there
 * come back as TrajectoryNetErrors with the same code and path.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Piscina, workerData } from 'piscina';
import { isTrajectoryNetError, type ErrorCode, TrajectoryNetError } from './errors.js';

type Reply<R> = { ok: true; value: R } | { ok: false; error: { code: ErrorCode | null; message: string; path?: string; name: string; stack?: string } };

export interface WorkerTaskOptions {
  /** Named in the error if the task fails (e.g. the file it reads). */
  name?: string;
  /** Buffers to move into the worker instead of copying. */
  transferList?: ArrayBuffer[];
  signal?: AbortSignal;
}

export interface WorkerPool<Task, Result> {
  run(task: Task, options?: WorkerTaskOptions): Promise<Result>;
  /** Worker threads (0 when tasks run in this thread). */
  readonly threads: number;
  /** Waits for nothing: tasks still queued or running fail with a WORKER error. */
  close(): Promise<void>;
}

export interface WorkerPoolOptions<Task, Result> {
  /** The built worker module (a `defineWorker` default export). */
  file: string | URL;
  /** Threads; 0 runs `inline` in this thread. Default: one per core. */
  threads?: number;
  /** The worker's function, for `threads: 0` (and when the built file is absent, e.g. tests from sources). */
  inline?: (task: Task) => Result | Promise<Result>;
  /** What the tasks are, for error messages ("TV-L1 pair", "clip"). */
  label: string;
  /** The class errors thrown in the worker are rebuilt as (keeping code and path); default TrajectoryNetError. */
  errorType?: new (code: never, message: string, details: { path?: string }) => TrajectoryNetError;
  /** Memory limits of each worker (a task that exceeds them fails with WORKER; the worker is replaced). */
  resourceLimits?: { maxOldGenerationSizeMb?: number; maxYoungGenerationSizeMb?: number };
}

/** This process's node flags, minus those a worker refuses (`node --input-type=module -e ...` would crash every worker). */
export function workerExecArgv(): string[] {
  return process.execArgv.filter((flag) => !flag.startsWith('--input-type'));
}

/** The first of `candidates` that exists (the built worker beside the module, or in ../dist from sources), else null. */
export function findBuiltFile(candidates: (string | URL)[]): string | null {
  for (const candidate of candidates) {
    const file = candidate instanceof URL ? fileURLToPath(candidate) : candidate;
    if (existsSync(file)) return file;
  }
  return null;
}

/**
 * The task number at which a worker of this pool exits, from
 * TRAJECTORYNET_FAIL_WORKER=`<label>@<n>` (each worker exits at its n-th task):
 * how tests kill workers mid-job through the real pool. For tests only.
 */
function injectedExit(): number | null {
  const spec = process.env.TRAJECTORYNET_FAIL_WORKER;
  const label = (workerData as { label?: string } | null)?.label;
  if (!spec || label == null) return null;
  const at = spec.lastIndexOf('@');
  return spec.slice(0, at) === label ? Number(spec.slice(at + 1)) : null;
}

/** Wraps a worker's function so that results move back (transferables) and errors keep their code and path. */
export function defineWorker<Task, Result>(fn: (task: Task) => Result | Promise<Result>, transferablesOf?: (result: Result) => ArrayBuffer[]) {
  const exitAt = injectedExit();
  let tasks = 0;
  return async (task: Task): Promise<unknown> => {
    tasks += 1;
    if (tasks === exitAt) process.exit(70);
    try {
      const value = await fn(task);
      const reply: Reply<Result> = { ok: true, value };
      const transfer = transferablesOf?.(value) ?? [];
      // piscina moves an object that names its transferables under its two symbols
      return transfer.length > 0 ? Piscina.move({ [Piscina.transferableSymbol]: transfer, [Piscina.valueSymbol]: reply } as never) : reply;
    } catch (error) {
      const e = error as Error & { code?: unknown; path?: string };
      const reply: Reply<Result> = {
        ok: false,
        error: { code: isTrajectoryNetError(error) ? e.code as ErrorCode : null, message: e?.message ?? String(error), path: isTrajectoryNetError(error) ? e.path : undefined, name: e?.name ?? 'Error', stack: e?.stack },
      };
      return reply;
    }
  };
}

type ErrorType = NonNullable<WorkerPoolOptions<unknown, unknown>['errorType']>;

function unwrap<R>(raw: unknown, label: string, name: string | undefined, errorType: ErrorType): R {
  const reply = raw as Reply<R>;
  if (reply.ok) return reply.value;
  const { code, message, path, name: errorName } = reply.error;
  if (code != null) {
    // the message already starts with the path
    const text = path != null && message.startsWith(`${path}: `) ? message.slice(path.length + 2) : message;
    const error = new errorType(code as never, text, { path });
    if (errorType === TrajectoryNetError) error.name = errorName;
    throw error;
  }
  throw new TrajectoryNetError('WORKER', `${label} failed in a worker: ${message}`, { path: name });
}

export function createWorkerPool<Task, Result>(options: WorkerPoolOptions<Task, Result>): WorkerPool<Task, Result> {
  const threads = options.threads ?? os.availableParallelism();
  if (!Number.isInteger(threads) || threads < 0) throw new TrajectoryNetError('BAD_ARGUMENT', `must be a non-negative integer, got ${threads}`, { path: 'threads' });
  const file = findBuiltFile([options.file]);
  if (threads === 0 || file == null) {
    if (options.inline == null) {
      throw new TrajectoryNetError('WORKER', `the ${options.label} worker is not built (build the package) and no in-thread function was given`, { path: String(options.file) });
    }
    const inline = options.inline;
    let closed = false;
    return {
      threads: 0,
      async run(task, taskOptions = {}) {
        if (closed) throw new TrajectoryNetError('WORKER', `the ${options.label} pool is closed`, { path: taskOptions.name });
        taskOptions.signal?.throwIfAborted();
        return await inline(task);
      },
      async close() {
        closed = true;
      },
    };
  }
  const piscina = new Piscina({
    filename: file,
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: Number.POSITIVE_INFINITY,
    execArgv: workerExecArgv(),
    resourceLimits: options.resourceLimits,
    workerData: { label: options.label },
  });
  let closing = false;
  return {
    threads,
    async run(task, taskOptions = {}) {
      if (closing) throw new TrajectoryNetError('WORKER', `the ${options.label} pool is closed`, { path: taskOptions.name });
      let raw: unknown;
      try {
        raw = await piscina.run(task, { transferList: taskOptions.transferList as never, signal: taskOptions.signal });
      } catch (error) {
        if ((error as Error)?.name === 'AbortError') throw error;
        const why = closing ? 'the pool was closed before it finished' : `the worker died: ${(error as Error)?.message ?? error}`;
        throw new TrajectoryNetError('WORKER', `${options.label}: ${why}`, { path: taskOptions.name, cause: error });
      }
      return unwrap<Result>(raw, options.label, taskOptions.name, options.errorType ?? TrajectoryNetError);
    },
    async close() {
      closing = true;
      await piscina.destroy();
    },
  };
}
