/**
 * The videos to extract: a list file with one video (or frame folder) per
 * line, as a path relative to the list's root, optionally followed by
 * numeric columns (mmaction lists: `path [frames] label`), which are ignored
 * here. The path is everything before those columns, spaces included.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { FlowQueueError } from './errors.js';

export interface VideoEntry {
  /** As written in the list (relative to the root); names the output folder too. */
  relativePath: string;
  /** The same path on this machine. */
  absolutePath: string;
}

export async function readVideoList(listFile: string, root: string): Promise<VideoEntry[]> {
  let text: string;
  try {
    text = await readFile(listFile, 'utf8');
  } catch (error) {
    const errno = (error as NodeJS.ErrnoException).code;
    throw new FlowQueueError(errno === 'ENOENT' ? 'ENOENT' : 'BAD_MANIFEST', `cannot read the list (${errno ?? error})`, { path: listFile, cause: error });
  }
  const entries: VideoEntry[] = [];
  const seen = new Set<string>();
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const relativePath = line.replace(/(\s+\d+)+$/, '');
    if (path.isAbsolute(relativePath) || relativePath.split(/[\\/]/).includes('..')) {
      throw new FlowQueueError('BAD_MANIFEST', `line ${i + 1}: '${relativePath}' must be a path inside the dataset root (relative, no '..')`, { path: listFile });
    }
    if (seen.has(relativePath)) return; // listed twice: one job
    seen.add(relativePath);
    entries.push({ relativePath, absolutePath: path.join(root, relativePath) });
  });
  const byOutput = new Map<string, string>();
  for (const entry of entries) {
    const out = outputFolderFor('', entry.relativePath);
    const other = byOutput.get(out);
    if (other != null) throw new FlowQueueError('BAD_MANIFEST', `'${other}' and '${entry.relativePath}' would write to the same output folder '${out}'`, { path: listFile });
    byOutput.set(out, entry.relativePath);
  }
  if (entries.length === 0) throw new FlowQueueError('BAD_MANIFEST', 'the list has no videos', { path: listFile });
  return entries;
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
