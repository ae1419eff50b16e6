/**
 * Dataset manifests: mmaction list files, Something-Something V1 CSVs and
 * Kinetics-style class folders. Each gives samples (path, label, frame count)
 * and the label names; a bad line is reported with its file and line number.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fromFsError, VideoIOError } from '../errors.js';

interface SampleBase {
  /** Where it is read from (a generated sample: a synthetic:// name). */
  path: string;
  /** Its name in the dataset (the path as the manifest gives it): names its flow folder, `<flowDir>/<id without extension>`. */
  id: string;
  label: number;
  /** Frames, when the manifest says (rawframes lists, SthV1); 0 when unknown until decoded. */
  frameCount: number;
}

/** A video file (decoded with ffmpeg). */
export interface VideoSample extends SampleBase {
  kind: 'video';
}

/** A folder of frame images. */
export interface FramesSample extends SampleBase {
  kind: 'frames';
}

/** A clip of the embedded synthetic dataset, rendered on demand. */
export interface SyntheticSample extends SampleBase {
  kind: 'synthetic';
  /** Everything needed to render the clip (motion: per-frame speed in px at 64x64 and turn in degrees; default the dataset's). */
  synthetic: { seed: number[]; frames: number; width: number; height: number; motion?: { speed: [number, number]; turn: [number, number] }; appearance?: 'stripes' | 'textured' };
}

export type Sample = VideoSample | FramesSample | SyntheticSample;

export interface Dataset<S extends Sample = Sample> {
  samples: S[];
  labels: string[];
}

/** A text file, or a VideoIOError naming it. */
export async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw fromFsError(file, error);
  }
}

function lines(text: string): { line: string; number: number }[] {
  return text
    .split('\n')
    .map((line, i) => ({ line: line.trim(), number: i + 1 }))
    .filter((l) => l.line !== '' && !l.line.startsWith('#'));
}

/** One class name per line. */
export async function readLabelFile(file: string): Promise<string[]> {
  return lines(await readText(file)).map((l) => l.line);
}

export interface ListOptions {
  /** Folder the list's paths are relative to. */
  root: string;
  /** rawframes: `path total_frames label`; videos: `path label`. */
  type: 'rawframes' | 'videos';
  /** Class names (default: "0", "1", ... up to the largest label). */
  labels?: string[];
}

/**
 * The columns of a list line: the trailing integer columns, and the path
 * before them (which may contain spaces: the numbers are read from the right).
 */
export function splitListLine(line: string, numericColumns: number): { path: string; numbers: string[] } | null {
  let rest = line.trim();
  const numbers: string[] = [];
  for (let i = 0; i < numericColumns; i++) {
    const match = /\s+(\S+)$/.exec(rest);
    if (match == null) return null;
    numbers.unshift(match[1]);
    rest = rest.slice(0, match.index);
  }
  return rest === '' ? null : { path: rest, numbers };
}

/** rawframes when a list's first line ends with two integers (`path total_frames label`), else videos (`path label`). */
export function listTypeOf(text: string): 'rawframes' | 'videos' {
  return /\s\d+\s+\d+$/.test(lines(text)[0]?.line ?? '') ? 'rawframes' : 'videos';
}

export async function readMmactionList(listFile: string, options: ListOptions): Promise<Dataset> {
  const samples: Sample[] = [];
  const expected = options.type === 'rawframes' ? 2 : 1;
  for (const { line, number } of lines(await readText(listFile))) {
    const bad = (why: string) => new VideoIOError('BAD_MANIFEST', `line ${number}: ${why}: '${line}'`, { path: listFile });
    const columns = splitListLine(line, expected);
    if (columns == null) throw bad(`expected ${expected + 1} columns (${options.type === 'rawframes' ? 'path total_frames label' : 'path label'})`);
    const label = Number(columns.numbers[expected - 1]);
    if (!Number.isInteger(label) || label < 0) throw bad('the label must be a non-negative integer');
    if (options.labels && label >= options.labels.length) throw bad(`label ${label} is past the ${options.labels.length} class names`);
    const frameCount = options.type === 'rawframes' ? Number(columns.numbers[0]) : 0;
    if (!Number.isInteger(frameCount) || frameCount < 0) throw bad('total_frames must be a non-negative integer');
    samples.push({ path: path.resolve(options.root, columns.path), id: columns.path, label, frameCount, kind: options.type === 'rawframes' ? 'frames' : 'video' });
  }
  if (samples.length === 0) throw new VideoIOError('BAD_MANIFEST', 'the list has no samples', { path: listFile });
  const labels = options.labels ?? Array.from({ length: Math.max(...samples.map((s) => s.label)) + 1 }, (_, i) => String(i));
  return { samples, labels };
}

/**
 * The videos (or frame folders) of a list, for flow extraction: one per line,
 * a path relative to `root`, optionally followed by the numeric columns of
 * mmaction lists (`[frames] label`), which are ignored; paths may contain
 * spaces. Each entry's `id` is its path as written, which names its flow
 * folder; a path outside the root, or two entries that would write the same
 * folder, are refused with the line.
 */
export async function readVideoList(listFile: string, root: string): Promise<{ id: string; path: string }[]> {
  const entries: { id: string; path: string }[] = [];
  const folders = new Map<string, string>();
  for (const { line, number } of lines(await readText(listFile))) {
    const numeric = /\s\d+\s+\d+$/.test(line) ? 2 : /\s\d+$/.test(line) ? 1 : 0;
    const id = numeric === 0 ? line : (splitListLine(line, numeric)?.path ?? line);
    if (path.isAbsolute(id) || id.split(/[\\/]/).includes('..')) {
      throw new VideoIOError('BAD_MANIFEST', `line ${number}: '${id}' must be a path inside the dataset root (relative, no '..')`, { path: listFile });
    }
    const parsed = path.parse(id);
    const folder = path.join(parsed.dir, parsed.name);
    const other = folders.get(folder);
    if (other === id) continue; // listed twice
    if (other != null) throw new VideoIOError('BAD_MANIFEST', `line ${number}: '${other}' and '${id}' would write the same flow folder '${folder}'`, { path: listFile });
    folders.set(folder, id);
    entries.push({ id, path: path.join(root, id) });
  }
  if (entries.length === 0) throw new VideoIOError('BAD_MANIFEST', 'the list has no videos', { path: listFile });
  return entries;
}

/**
 * Something-Something V1: `labelsCsv` has one class name per line; `splitCsv`
 * (train or validation) has `video_id;class name` lines; frames are in
 * `<framesRoot>/<video_id>/00001.jpg`.
 */
export async function readSomethingV1(splitCsv: string, labelsCsv: string, framesRoot: string): Promise<Dataset> {
  const labels = await readLabelFile(labelsCsv);
  const index = new Map(labels.map((l, i) => [l, i]));
  const samples: Sample[] = lines(await readText(splitCsv)).map(({ line, number }) => {
    const [id, name] = line.split(';');
    const label = index.get(name ?? '');
    if (id == null || label == null) throw new VideoIOError('BAD_MANIFEST', `line ${number}: expected 'video_id;class name' with a class from ${labelsCsv}: '${line}'`, { path: splitCsv });
    return { path: path.join(framesRoot, id), id, label, frameCount: 0, kind: 'frames' };
  });
  return { samples, labels };
}

const VIDEO_EXTENSIONS = new Set(['.mp4', '.avi', '.webm', '.mkv', '.mov']);

/** Kinetics-style: `<root>/<class name>/<video>.mp4`; classes sorted by name. */
export async function readClassFolders(root: string): Promise<Dataset> {
  let classes: string[];
  try {
    classes = (await readdir(root, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  } catch (error) {
    throw fromFsError(root, error);
  }
  const samples: Sample[] = [];
  for (const [label, name] of classes.entries()) {
    const files = (await readdir(path.join(root, name))).filter((f) => VIDEO_EXTENSIONS.has(path.extname(f).toLowerCase())).sort();
    for (const f of files) samples.push({ path: path.join(root, name, f), id: `${name}/${f}`, label, frameCount: 0, kind: 'video' });
  }
  if (samples.length === 0) throw new VideoIOError('BAD_MANIFEST', 'no videos in class folders', { path: root });
  return { samples, labels: classes };
}
