/**
 * A video's output on the shared folder: the final folder `<out>/<video>/`,
 * which appears whole or not at all; the claim `<out>/<video>.claim`; and the
 * working folder `<out>/<video>.partial-<id>/` of the claim holder, where the
 * flow is extracted (each pair file written atomically) and which is renamed
 * to the final folder when complete.
 *
 * Each holder has its own working folder: a worker that lost its claim while
 * frozen can only write into a folder that is no longer the holder's, never
 * into the one being published. A new holder adopts the folder its
 * predecessor left (renaming it), so extraction resumes where it stopped,
 * and removes the temporaries of writes its predecessor never finished.
 */
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { syncFolder } from '@trajectorynet/core/node';
import { FLOW_RECORD } from '@trajectorynet/tvl1-flow';
import { outputFolderFor } from './dataset-list.js';

export interface VideoPaths {
  final: string;
  claim: string;
  parent: string;
  /** The final folder's name; working folders are `<base>.partial-<id>`. */
  base: string;
}

export function videoPaths(outRoot: string, relativePath: string): VideoPaths {
  const final = outputFolderFor(outRoot, relativePath);
  return { final, claim: `${final}.claim`, parent: path.dirname(final), base: path.basename(final) };
}

/** Working folders of the video (including the `.partial` of earlier versions). */
async function workingFolders(paths: VideoPaths): Promise<string[]> {
  const names = await readdir(paths.parent).catch(() => [] as string[]);
  return names.filter((n) => n === `${paths.base}.partial` || n.startsWith(`${paths.base}.partial-`)).map((n) => path.join(paths.parent, n));
}

export async function hasWorkingFolders(paths: VideoPaths): Promise<boolean> {
  return (await workingFolders(paths)).length > 0;
}

const isTemporary = (name: string) => name.startsWith('.');

async function removeTemporaries(folder: string): Promise<void> {
  const names = await readdir(folder);
  await Promise.all(names.filter(isTemporary).map((n) => rm(path.join(folder, n), { recursive: true, force: true })));
}

/**
 * The claim holder's working folder `<base>.partial-<id>`: the fullest folder
 * an earlier holder left is adopted (others are removed), without the
 * temporaries of unfinished writes. Returns it with the number of files it
 * already has (pairs that will be skipped).
 */
export async function prepareWorkingFolder(paths: VideoPaths, id: string): Promise<{ folder: string; existingFiles: number }> {
  const folder = path.join(paths.parent, `${paths.base}.partial-${id}`);
  const previous = await Promise.all(
    (await workingFolders(paths)).map(async (f) => ({ folder: f, files: (await readdir(f).catch(() => [] as string[])).filter((n) => !isTemporary(n) && n !== FLOW_RECORD).length })),
  );
  previous.sort((a, b) => b.files - a.files);
  let adopted: { folder: string; files: number } | null = null;
  for (const candidate of previous) {
    if (adopted != null) {
      await rm(candidate.folder, { recursive: true, force: true });
      continue;
    }
    try {
      await rename(candidate.folder, folder);
      adopted = candidate;
    } catch (error) {
      // removed meanwhile by the holder that left it (its own stray writes): take the next one
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  if (adopted == null) await mkdir(folder, { recursive: true });
  await removeTemporaries(folder);
  return { folder, existingFiles: adopted?.files ?? 0 };
}

/**
 * Makes the working folder the final folder: removes temporaries, fsyncs the
 * folder, renames it, and fsyncs the parent, so that the rename survives a
 * power cut. The pair files themselves are already durable (tvl1-flow writes
 * them with core's writeFileDurable). Returns false, leaving everything as
 * it was, when the final folder already exists.
 */
export async function publish(folder: string, paths: VideoPaths): Promise<boolean> {
  await removeTemporaries(folder);
  await syncFolder(folder);
  try {
    await rename(folder, paths.final);
  } catch (error) {
    const errno = (error as NodeJS.ErrnoException).code;
    if (errno === 'ENOTEMPTY' || errno === 'EEXIST') return false;
    throw error;
  }
  await syncFolder(paths.parent);
  return true;
}

/** Removes the video's working folders (the holder's, once published or no longer needed, and any left by others). */
export async function removeWorkingFolders(paths: VideoPaths): Promise<void> {
  await Promise.all((await workingFolders(paths)).map((f) => rm(f, { recursive: true, force: true })));
}
