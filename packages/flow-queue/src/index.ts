export { connectRedis, parseRedisUrl } from './connection.js';
export { jobIdFor, outputFolderFor, readVideoList, type VideoEntry } from './dataset-list.js';
export { FlowQueueError, type FlowQueueErrorCode } from './errors.js';
export { DEFAULT_QUEUE, type EnqueueOptions, enqueueVideos, type ExtractionSettings, type FlowJobData, type FlowJobResult, openQueue } from './queue.js';
export { formatStatus, type QueueStatus, queueStatus } from './status.js';
export { clearStats, readThroughput } from './stats.js';
export { type Extractor, startWorker, type WorkerOptions } from './worker.js';
