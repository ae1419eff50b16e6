/**
 * Writes that either complete or leave the previous file untouched: the data
 * goes to a temporary file in the same folder, every byte is checked to have
 * been written, the file and then the folder are fsynced, and only then is
 * the temporary renamed over the target. A full disk is a DISK_FULL error
 * naming the folder; the old file stays as it was.
 *
 * Tests inject failures through the same path with the environment variable
 * TRAJECTORYNET_FAIL_WRITE (see `injectedFault`), for filesystems that
 * cannot be filled on demand.
 */
import { randomBytes } from 'node:crypto';
import { type FileHandle, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { TrajectoryNetError } from './errors.js';

const TEMP_PATTERN = /^\.(.+)\.(\d+)\.[0-9a-f]{8}\.tmp$/;

/** A temporary name beside `file` (same folder, so the rename is atomic): `.<name>.<pid>.<hex>.tmp`. */
export function temporaryPathFor(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** The TrajectoryNetError for a failed write of `file` (DISK_FULL names the folder). */
export function writeError(file: string, error: unknown): TrajectoryNetError {
  const errno = (error as NodeJS.ErrnoException)?.code;
  if (errno === 'ENOSPC' || errno === 'EDQUOT') {
    return new TrajectoryNetError('DISK_FULL', `no space left while writing ${path.basename(file)}`, { path: path.dirname(path.resolve(file)), cause: error });
  }
  const reason = errno ?? (error instanceof Error ? error.message : String(error));
  return new TrajectoryNetError('NOT_WRITABLE', `cannot write (${reason})`, { path: file, cause: error });
}

interface Fault {
  errno: string;
  afterBytes: number;
}

/**
 * A failure to inject into the write of `file`, from TRAJECTORYNET_FAIL_WRITE:
 * comma-separated `<basename>=<ERRNO|KILL>[@<bytes>]`, e.g.
 * `latest.ckpt=ENOSPC@65536` (fail with ENOSPC after 64 KiB) or
 * `best.ckpt=KILL@1000` (SIGKILL this process after 1000 bytes). For tests only.
 */
function injectedFault(file: string): Fault | null {
  const spec = process.env.TRAJECTORYNET_FAIL_WRITE;
  if (!spec) return null;
  for (const entry of spec.split(',')) {
    const match = /^(.+)=([A-Z]+)(?:@(\d+))?$/.exec(entry.trim());
    if (match != null && match[1] === path.basename(file)) return { errno: match[2], afterBytes: Number(match[3] ?? 0) };
  }
  return null;
}

async function writeAll(handle: FileHandle, bytes: Uint8Array, fault: Fault | null): Promise<void> {
  const limit = fault != null ? Math.min(fault.afterBytes, bytes.byteLength) : bytes.byteLength;
  let written = 0;
  while (written < limit) {
    const { bytesWritten } = await handle.write(bytes, written, limit - written);
    if (bytesWritten <= 0) throw Object.assign(new Error('the write made no progress'), { code: 'EIO' });
    written += bytesWritten;
  }
  if (fault != null) {
    await handle.sync();
    if (fault.errno === 'KILL') process.kill(process.pid, 'SIGKILL');
    throw Object.assign(new Error(`${fault.errno} (injected by TRAJECTORYNET_FAIL_WRITE)`), { code: fault.errno });
  }
}

/** fsync a folder so that a rename in it survives a power cut; some filesystems refuse, which is harmless. */
export async function syncFolder(folder: string): Promise<void> {
  let handle: FileHandle | null = null;
  try {
    handle = await open(folder, 'r');
    await handle.sync();
  } catch (error) {
    const errno = (error as NodeJS.ErrnoException).code;
    if (errno !== 'EINVAL' && errno !== 'EISDIR' && errno !== 'EPERM' && errno !== 'EBADF') throw error;
  } finally {
    await handle?.close();
  }
}

/** Writes `data` to `file` durably (see the module comment); throws DISK_FULL or NOT_WRITABLE. */
export async function writeFileDurable(file: string, data: Uint8Array | string): Promise<void> {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const folder = path.dirname(file);
  const temp = temporaryPathFor(file);
  try {
    await mkdir(folder, { recursive: true });
    const handle = await open(temp, 'wx');
    try {
      await writeAll(handle, bytes, injectedFault(file));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
    await syncFolder(folder);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => {});
    throw writeError(file, error);
  }
}

/** Appends `text` to `file` and fsyncs it (e.g. one JSON line of a log); throws DISK_FULL or NOT_WRITABLE. */
export async function appendFileDurable(file: string, text: string): Promise<void> {
  try {
    await mkdir(path.dirname(file), { recursive: true });
    const handle = await open(file, 'a');
    try {
      await writeAll(handle, Buffer.from(text, 'utf8'), injectedFault(file));
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw writeError(file, error);
  }
}

const isAlive = (pid: number) => {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Removes the temporaries that `writeFileDurable` left in `folder` when a
 * process died mid-write (their process is gone). Returns the names removed.
 * It decides by process id on this machine: on a folder shared by several
 * machines, a temporary of a live process elsewhere can be removed (flow-queue
 * uses per-worker folders for that reason).
 */
export async function removeStaleTemporaries(folder: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(folder);
  } catch {
    return [];
  }
  const stale = names.filter((name) => {
    const match = TEMP_PATTERN.exec(name);
    return match != null && !isAlive(Number(match[2]));
  });
  await Promise.all(stale.map((name) => rm(path.join(folder, name), { force: true })));
  return stale;
}

/**
 * Checks before any work that `folder` can hold a job's outputs: created if
 * missing, a folder (not a file), writable. Throws NOT_WRITABLE (or
 * DISK_FULL) naming it, so that a long job does not fail at its end.
 */
export async function ensureWritableFolder(folder: string): Promise<void> {
  const info = await stat(folder).catch(() => null);
  if (info != null && !info.isDirectory()) throw new TrajectoryNetError('NOT_WRITABLE', 'is a file, not a folder', { path: folder });
  const probe = path.join(folder, `.write-probe-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await mkdir(folder, { recursive: true });
    const handle = await open(probe, 'wx');
    await handle.close();
    await rm(probe, { force: true });
  } catch (error) {
    const e = writeError(probe, error);
    throw e.code === 'DISK_FULL' ? e : new TrajectoryNetError('NOT_WRITABLE', `cannot write here (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, { path: folder, cause: error });
  }
}
