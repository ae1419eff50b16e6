/**
 * `loadClip` in N worker_threads, so that decoding and the float conversion
 * overlap training in the main thread. Requests carry the sample, the JSON
 * pipeline and the sample's seed (never a worker's own randomness), so results
 * do not depend on which worker ran them; clips come back by transfer, not copy.
 *
 * The worker is the built `loader-worker.js` beside this module (dist), or in
 * ../dist when running from the TypeScript sources (vitest), as in tvl1-flow.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Sample } from './datasets/manifests.js';
import { VideoIOError, type VideoIOErrorCode } from './errors.js';
import type { LoadedClip } from './loader.js';
import type { ClipPipeline } from './pipeline/clip-pipeline.js';

export interface ClipRequest {
  id: number;
  sample: Sample;
  pipeline: ClipPipeline;
  seed: number;
}

export type ClipReply = { id: number; clip: LoadedClip } | { id: number; error: { path: string; code: VideoIOErrorCode; message: string } };

export interface ClipWorkers {
  load(sample: Sample, pipeline: ClipPipeline, seed: number): Promise<LoadedClip>;
  /** Worker threads that have not exited yet. */
  readonly live: number;
  /** Rejects loads still in flight and terminates every thread. */
  close(): Promise<void>;
}

/** The built worker entry, or a VideoIOError saying to build the package. */
export function loaderWorkerFile(): string {
  const candidates = [new URL('./loader-worker.js', import.meta.url), new URL('../dist/loader-worker.js', import.meta.url)].map((url) => fileURLToPath(url));
  const found = candidates.find((file) => existsSync(file));
  if (found == null) throw new VideoIOError(candidates[0], 'BAD_ARGUMENT', 'the loader worker is not built (run the video-io build), or use workers: 0');
  return found;
}

/** This process's node flags, minus those a worker refuses (`node --input-type=module -e ...` would crash every worker). */
export function workerExecArgv(): string[] {
  return process.execArgv.filter((flag) => !flag.startsWith('--input-type'));
}

interface Pending {
  sample: Sample;
  resolve: (clip: LoadedClip) => void;
  reject: (error: Error) => void;
}

interface Thread {
  worker: Worker;
  pending: Map<number, Pending>;
  exited: boolean;
}

export function createClipWorkers(count: number): ClipWorkers {
  const file = loaderWorkerFile();
  let nextId = 0;
  let closing = false;

  /** Fails every load of a thread that died, naming each sample's path. */
  const failAll = (thread: Thread, why: string) => {
    for (const { sample, reject } of thread.pending.values()) reject(new VideoIOError(sample.path, 'WORKER', why));
    thread.pending.clear();
  };

  const threads: Thread[] = Array.from({ length: count }, () => {
    const thread: Thread = { worker: new Worker(file, { execArgv: workerExecArgv() }), pending: new Map(), exited: false };
    thread.worker.on('message', (reply: ClipReply) => {
      const pending = thread.pending.get(reply.id);
      if (pending == null) return;
      thread.pending.delete(reply.id);
      if ('clip' in reply) pending.resolve(reply.clip);
      else {
        const { path, code, message } = reply.error;
        // the message already starts with the path; keep it once
        pending.reject(new VideoIOError(path, code, message.startsWith(`${path}: `) ? message.slice(path.length + 2) : message));
      }
    });
    thread.worker.on('error', (error) => failAll(thread, `the loader worker failed while loading it: ${error.message}`));
    thread.worker.on('exit', (code) => {
      thread.exited = true;
      failAll(thread, closing ? 'the loader was closed before this sample finished' : `the loader worker exited (code ${code}) while loading it`);
    });
    return thread;
  });

  return {
    get live() {
      return threads.filter((t) => !t.exited).length;
    },
    load(sample, pipeline, seed) {
      const alive = threads.filter((t) => !t.exited);
      if (closing || alive.length === 0) return Promise.reject(new VideoIOError(sample.path, 'WORKER', closing ? 'the loader is closed' : 'every loader worker has exited'));
      // the least busy thread; ties go to the first
      const thread = alive.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
      const id = nextId++;
      return new Promise<LoadedClip>((resolve, reject) => {
        thread.pending.set(id, { sample, resolve, reject });
        thread.worker.postMessage({ id, sample, pipeline, seed } satisfies ClipRequest);
      });
    },
    async close() {
      closing = true;
      await Promise.all(threads.map((t) => t.worker.terminate()));
    },
  };
}
