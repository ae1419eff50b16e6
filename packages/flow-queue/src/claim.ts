/**
 * The claim of a video: an exclusive file beside its output folder, created
 * with O_EXCL by the worker that extracts the video and holding that
 * worker's job token. Redis decides who gets a job, but Redis can be
 * flushed, restarted or cut off for longer than a job's lock; the claim
 * lives on the shared output folder, so two workers never write the same
 * video whatever happens to Redis.
 *
 * Claims are numbered: `<video>.claim.1`, `.claim.2`, ...; the highest
 * number is the current claim. The holder refreshes its file's mtime every
 * few seconds. A claim whose mtime is older than the stale time (the job
 * lock time) belongs to a worker that died or hung: another worker takes
 * it over by creating the next number, which O_EXCL lets exactly one worker
 * do, and then removes the older files. The holder of number n still holds
 * the claim while its file has its token and n + 1 does not exist; it checks
 * this on every refresh and before publishing the video.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, unlinkSync } from 'node:fs';
import { mkdir, open, readdir, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface ClaimOwner {
  /** Unique to this claim: the job token and a random suffix. */
  token: string;
  jobId: string;
  /** host:pid of the worker process. */
  worker: string;
  since: string;
}

export interface Claim {
  /** The claim file (`<prefix>.<number>`). */
  readonly file: string;
  readonly owner: ClaimOwner;
  /** True while this is the current claim. */
  isOurs(): Promise<boolean>;
  /**
   * Refreshes the claim every `intervalMs`; calls `onLost` (once) when it is
   * no longer ours. Returns a function that stops refreshing.
   */
  keepAlive(intervalMs: number, onLost: (reason: string) => void): () => void;
  /** Removes the claim file if the claim is still ours. */
  release(): Promise<void>;
}

export type ClaimAttempt = { claim: Claim } | { heldBy: ClaimOwner | null; ageMs: number };

/** Claims held by this process, released synchronously when it has to leave at once (a second Ctrl-C). */
const held = new Map<string, string>();

export function releaseHeldClaimsSync(): void {
  for (const [file, token] of held) {
    try {
      if (parse(readFileSync(file, 'utf8'))?.token === token) unlinkSync(file);
    } catch {
      // already gone
    }
  }
  held.clear();
}

function parse(text: string): ClaimOwner | null {
  try {
    const owner = JSON.parse(text) as ClaimOwner;
    return typeof owner?.token === 'string' ? owner : null;
  } catch {
    return null; // being written, or not a claim: never ours
  }
}

const exists = (file: string) =>
  stat(file).then(
    () => true,
    () => false,
  );

/** Content and mtime, read through one open file (on NFS, open revalidates what a plain stat may serve from cache). */
async function readClaim(file: string): Promise<{ owner: ClaimOwner | null; mtimeMs: number } | null> {
  let handle: Awaited<ReturnType<typeof open>> | null = null;
  try {
    handle = await open(file, 'r');
    const stats = await handle.stat();
    return { owner: parse(await handle.readFile('utf8')), mtimeMs: stats.mtimeMs };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  } finally {
    await handle?.close();
  }
}

/** The numbers of the claim files of `prefix`, in increasing order. */
async function claimNumbers(prefix: string): Promise<number[]> {
  const base = `${path.basename(prefix)}.`;
  const names = await readdir(path.dirname(prefix));
  return names
    .filter((n) => n.startsWith(base) && /^\d+$/.test(n.slice(base.length)))
    .map((n) => Number(n.slice(base.length)))
    .sort((a, b) => a - b);
}

function makeClaim(prefix: string, number: number, owner: ClaimOwner): Claim {
  const file = `${prefix}.${number}`;
  held.set(file, owner.token);
  let released = false;
  const isOurs = async () => !released && (await readClaim(file).catch(() => null))?.owner?.token === owner.token && !(await exists(`${prefix}.${number + 1}`));
  return {
    file,
    owner,
    isOurs,
    keepAlive(intervalMs, onLost) {
      let lost = false;
      let stopped = false;
      let busy = false; // a slow file system must not pile refreshes up
      const timer = setInterval(async () => {
        if (lost || released || stopped || busy) return;
        busy = true;
        try {
          const ours = await isOurs();
          if (stopped || released) return;
          if (ours) {
            const now = new Date();
            await utimes(file, now, now).catch(() => {});
          } else {
            lost = true;
            clearInterval(timer);
            onLost(`its claim ${file} was taken over (this worker was silent for longer than the lock time)`);
          }
        } finally {
          busy = false;
        }
      }, intervalMs);
      return () => {
        stopped = true;
        clearInterval(timer);
      };
    },
    async release() {
      if (released) return;
      if (await isOurs()) await unlink(file).catch(() => {});
      released = true;
      held.delete(file);
    },
  };
}

/**
 * Claims the video whose claim files start with `prefix` (`<out>/<video>.claim`),
 * taking over a claim older than `staleMs`; otherwise says who holds it.
 */
export async function claimVideo(prefix: string, owner: Omit<ClaimOwner, 'since'>, staleMs: number): Promise<ClaimAttempt> {
  const full: ClaimOwner = { ...owner, token: `${owner.token}:${randomBytes(4).toString('hex')}`, since: new Date().toISOString() };
  await mkdir(path.dirname(prefix), { recursive: true });
  for (let tries = 0; tries < 5; tries++) {
    const numbers = await claimNumbers(prefix);
    const top = numbers.at(-1) ?? 0;
    if (top > 0) {
      const current = await readClaim(`${prefix}.${top}`);
      if (current == null) continue; // released meanwhile: look again
      const ageMs = Date.now() - current.mtimeMs;
      if (ageMs < staleMs) return { heldBy: current.owner, ageMs };
    }
    try {
      await writeFile(`${prefix}.${top + 1}`, JSON.stringify(full), { flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue; // another worker got this number first
      throw error;
    }
    // the older claims are released or stale: their holders check for this number and give up
    await Promise.all(numbers.map((n) => unlink(`${prefix}.${n}`).catch(() => {})));
    return { claim: makeClaim(prefix, top + 1, full) };
  }
  return { heldBy: null, ageMs: 0 };
}
