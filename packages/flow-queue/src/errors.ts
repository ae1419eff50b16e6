/** Errors of the flow queue, each naming what it is about (the Redis URL, the video, the folder). */
export type FlowQueueErrorCode = 'REDIS_UNREACHABLE' | 'BAD_URL' | 'BAD_LIST' | 'DISK_FULL' | 'EXTRACTION_FAILED';

export class FlowQueueError extends Error {
  readonly code: FlowQueueErrorCode;

  constructor(code: FlowQueueErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'FlowQueueError';
    this.code = code;
  }
}
