export { type Claim, type ClaimAttempt, type ClaimOwner, claimVideo, releaseHeldClaimsSync } from './claim.js';
export { flowQueueCommand, printLine } from './command.js';
export { connectRedis, displayUrl, isConnectionError, type OutageLog, outageLog, parseRedisUrl } from './connection.js';
export { jobIdFor, outputFolderFor, readVideoList, type VideoEntry } from './dataset-list.js';
export { extractionError, FlowQueueError, type FlowQueueErrorCode, isPermanent } from './errors.js';
export {
  checkSettings,
  DEFAULT_QUEUE,
  type EnqueueOptions,
  type EnqueueResult,
  enqueueVideos,
  type ExtractionSettings,
  type FlowJobData,
  type FlowJobProgress,
  type FlowJobResult,
  type LostJobsNote,
  noteLostJobs,
  openQueue,
  readLostJobsNote,
  retryFailed,
} from './queue.js';
export { type RunWorkerOptions, runWorkerUntilDone } from './run-worker.js';
export { clearStats, type Completion, readCompletions, readThroughput, recordCompletion, recordPairs, type Throughput } from './stats.js';
export { estimateEta, formatStatus, type QueueStatus, queueStatus } from './status.js';
export { tvl1Extractor } from './tvl1-extractor.js';
export { type VideoPaths, videoPaths } from './video-output.js';
export { type Extractor, type FlowWorker, startWorker, type WorkerOptions } from './worker.js';
