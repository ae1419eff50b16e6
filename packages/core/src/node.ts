/** @trajectorynet/core/node: the Node-only shared parts (durable files, worker pool, progress). */
export { appendFileDurable, ensureWritableFolder, removeStaleTemporaries, syncFolder, temporaryPathFor, writeError, writeFileDurable } from './durable-write.js';
export { createProgress, formatDuration, type Progress, type ProgressOptions } from './progress.js';
export { createWorkerPool, defineWorker, findBuiltFile, type WorkerPool, type WorkerPoolOptions, type WorkerTaskOptions, workerExecArgv } from './worker-pool.js';
