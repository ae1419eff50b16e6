/**
 * The videos to extract: a list file with one video (or frame folder) per
 * line, as a path relative to the list's root, optionally followed by
 * numeric columns (mmaction lists: `path [frames] label`), which are ignored
 * here. The path is everything before those columns, spaces included.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { readVideoList as readList } from '@trajectorynet/video-io';

export interface VideoEntry {
  /** As written in the list (relative to the root); names the output folder too. */
  relativePath: string;
  /** The same path on this machine. */
  absolutePath: string;
}

/** The videos of a list (video-io's `readVideoList`: paths with spaces, numeric columns ignored, collisions refused). */
export async function readVideoList(listFile: string, root: string): Promise<VideoEntry[]> {
  return (await readList(listFile, root)).map((entry) => ({ relativePath: entry.id, absolutePath: entry.path }));
}

/**
 * The job id of a video: a hash of its path in the list, so that enqueuing the
 * same list twice (from any machine) adds nothing.
 */
export function jobIdFor(relativePath: string): string {
  return `flow-${createHash('sha1').update(relativePath).digest('hex')}`;
}

/** The output folder of a video: its relative path without the extension. */
export function outputFolderFor(outRoot: string, relativePath: string): string {
  const parsed = path.parse(relativePath);
  return path.join(outRoot, parsed.dir, parsed.name);
}
