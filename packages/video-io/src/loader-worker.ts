/** worker_threads entry: runs `loadClip` for the requests of loader-workers.ts and transfers each clip back. */
import { parentPort } from 'node:worker_threads';
import { VideoIOError } from './errors.js';
import type { ClipReply, ClipRequest } from './loader-workers.js';
import { loadClip } from './pipeline/clip-pipeline.js';
import { seededRandom } from './random.js';

parentPort?.on('message', async ({ id, sample, pipeline, seed }: ClipRequest) => {
  try {
    const clip = await loadClip(sample, pipeline, seededRandom(seed));
    parentPort?.postMessage({ id, clip } satisfies ClipReply, [clip.data.buffer as ArrayBuffer]);
  } catch (error) {
    // loadClip's errors are VideoIOErrors naming the sample; anything else still names it
    const e = error instanceof VideoIOError ? error : new VideoIOError(sample.path, 'WORKER', String((error as Error)?.message ?? error));
    parentPort?.postMessage({ id, error: { path: e.path, code: e.code, message: e.message } } satisfies ClipReply);
  }
});
