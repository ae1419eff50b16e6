/**
 * What the fault-injection tests share: a small dataset with its
 * single-machine reference flow, worker processes of the built CLI whose log
 * lines are kept with the time they arrived, waits that fail instead of
 * hanging, and the checks of the promised outcome.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { extractFlow, FLOW_RECORD } from '@trajectorynet/tvl1-flow';
import { createSyntheticDataset, renderSyntheticClip, writeFrame } from '@trajectorynet/video-io';
import { expect } from 'vitest';
import { scratchDir } from './scratch.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const CLI = path.resolve(here, '../dist/cli.js');
export const DATA = process.env.TRAJECTORYNET_DATA ?? path.resolve(here, '../../../../shared/data');
export const SIZE = { width: 64, height: 48 };

export interface Fixture {
  root: string;
  reference: string;
  /** Short videos (a real mp4 and frame folders of a few seconds of work each). */
  videos: string[];
  /** A frame folder that takes several times longer than the others. */
  long: string;
}

async function writeClip(root: string, dir: string, frames: number, seed: number): Promise<void> {
  const { samples } = createSyntheticDataset({ split: 'test', clipsPerClass: 1, frames, width: SIZE.width, height: SIZE.height });
  const clip = renderSyntheticClip(samples[seed % samples.length]);
  for (const [i, data] of clip.frames.entries()) {
    await writeFrame(path.join(root, dir, `img_${String(i + 1).padStart(5, '0')}.jpg`), { ...SIZE, data });
  }
}

/** The dataset and its flow extracted on one machine (tvl1-flow directly), the reference every distributed run must equal. */
export async function makeFixture(): Promise<Fixture> {
  const root = await scratchDir('faults');
  await mkdir(path.join(root, 'videos'));
  await symlink(path.join(DATA, 'videos', 'part_0.mp4'), path.join(root, 'videos', 'part_0.mp4'));
  const videos = ['videos/part_0.mp4'];
  for (let i = 0; i < 2; i++) {
    await writeClip(root, `clips/c${i}`, 30, i);
    videos.push(`clips/c${i}`);
  }
  const long = 'clips/long';
  await writeClip(root, long, 120, 5);
  const reference = path.join(root, 'reference');
  for (const video of [...videos, long]) await extractFlow(path.join(root, video), outputOf(reference, video), { resize: SIZE, workers: 1 });
  return { root, reference, videos, long };
}

export function outputOf(out: string, video: string): string {
  const parsed = path.parse(video);
  return path.join(out, parsed.dir, parsed.name);
}

export async function writeList(fixture: Fixture, videos: string[]): Promise<string> {
  const list = path.join(await mkdtemp(path.join(fixture.root, 'list-')), 'list.txt');
  await writeFile(list, `${videos.join('\n')}\n`);
  return list;
}

export interface LogLine {
  at: number;
  text: string;
}

export interface CliProcess {
  name: string;
  child: ChildProcess;
  lines: LogLine[];
  /** Resolves with the exit code (null when killed by a signal) and the time of exit. */
  exited: Promise<{ code: number | null; at: number }>;
}

const running = new Set<ChildProcess>();

/** Kills the processes a failed test left running (call in afterEach). */
export function killLeftoverProcesses(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

/** Runs the built CLI; stdout and stderr lines are kept with their arrival time. */
export function runCli(name: string, args: string[], env: NodeJS.ProcessEnv = {}): CliProcess {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  const lines: LogLine[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    let rest = '';
    stream?.on('data', (chunk: Buffer) => {
      const parts = (rest + chunk.toString()).split('\n');
      rest = parts.pop() ?? '';
      for (const text of parts) lines.push({ at: Date.now(), text });
    });
  }
  running.add(child);
  const exited = new Promise<{ code: number | null; at: number }>((resolve) =>
    child.once('exit', (code) => {
      running.delete(child);
      resolve({ code, at: Date.now() });
    }),
  );
  return { name, child, lines, exited };
}

export function startWorker(name: string, url: string, queueName: string, fixture: Fixture, out: string, env: NodeJS.ProcessEnv = {}): CliProcess {
  const args = ['--queue', url, '--queue-name', queueName, 'work', '--root', fixture.root, '--out', out, '--workers', '1', '--exit-when-empty', '--lock-seconds', '2'];
  return runCli(name, args, env);
}

/** Polls `check` until it returns something truthy; fails (never hangs) after `timeoutMs`, saying what it waited for. */
export async function waitFor<T>(what: string, check: () => T | Promise<T>, timeoutMs: number, intervalMs = 50, logs: CliProcess[] = []): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}\n${describeLogs(logs)}`);
    await sleep(intervalMs);
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The exit code of each process, failing after `timeoutMs` (and killing what still runs) instead of hanging. */
export async function exitCodes(processes: CliProcess[], timeoutMs: number): Promise<(number | null)[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((r) => {
    timer = setTimeout(() => r('timeout'), timeoutMs);
  });
  const result = await Promise.race([Promise.all(processes.map((p) => p.exited.then((e) => e.code))), timeout]);
  clearTimeout(timer);
  if (result === 'timeout') {
    const running = processes.filter((p) => p.child.exitCode == null && p.child.signalCode == null);
    for (const p of running) p.child.kill('SIGKILL');
    throw new Error(`${running.map((p) => p.name).join(', ')} still running after ${timeoutMs / 1000} s:\n${describeLogs(running)}`);
  }
  return result;
}

export function describeLogs(processes: CliProcess[]): string {
  return processes.map((p) => p.lines.map((l) => `  [${p.name}] ${l.text}`).join('\n')).join('\n');
}

/** Files and folders that must not remain once everything is done: temporaries, working folders, claims. */
export async function leftovers(out: string): Promise<string[]> {
  const entries = await readdir(out, { recursive: true });
  return entries.map(String).filter((entry) => {
    const name = path.basename(entry);
    return name.startsWith('.') || name.includes('.partial') || name.includes('.claim') || name.endsWith('.tmp');
  });
}

/** Every video's output equals the single-machine reference, file for file and byte for byte. */
export async function expectSameAsReference(fixture: Fixture, out: string, videos: string[]): Promise<void> {
  for (const video of videos) {
    const expected = (await readdir(outputOf(fixture.reference, video))).sort();
    const actual = (await readdir(outputOf(out, video))).sort();
    expect(actual, video).toEqual(expected);
    for (const file of expected) {
      const [a, b] = await Promise.all([readFile(path.join(outputOf(out, video), file)), readFile(path.join(outputOf(fixture.reference, video), file))]);
      // the settings record names the input by the path this machine reads it at (the dataset root may be mounted elsewhere)
      const withoutPath = (bytes: Buffer) => JSON.stringify({ ...JSON.parse(bytes.toString()), input: { ...JSON.parse(bytes.toString()).input, path: null } });
      const same = file === FLOW_RECORD ? withoutPath(a) === withoutPath(b) : a.equals(b);
      expect(same, `${video}/${file}`).toBe(true);
    }
  }
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** How many times each video was finished (extracted to the end and published), across all the workers' logs. */
export function finishCounts(processes: CliProcess[], videos: string[]): Record<string, number> {
  return Object.fromEntries(
    videos.map((video) => {
      const finished = new RegExp(`^${escapeRegExp(video)}: \\d+ pairs in `);
      return [video, processes.reduce((n, p) => n + p.lines.filter((l) => finished.test(l.text)).length, 0)];
    }),
  );
}

interface Interval {
  worker: string;
  start: number;
  end: number;
}

/**
 * When each worker was extracting `video`: from its "<video>: extracting"
 * line to its next line about that video (finished, failed, abandoned,
 * stopped) or to its exit.
 */
export function extractionIntervals(processes: CliProcess[], exits: Map<string, number>, video: string): Interval[] {
  const intervals: Interval[] = [];
  const prefix = `${video}: `;
  for (const p of processes) {
    let start: number | null = null;
    for (const line of p.lines) {
      if (!line.text.startsWith(prefix)) continue;
      if (line.text.startsWith(`${prefix}extracting`)) start ??= line.at;
      else if (start != null) {
        intervals.push({ worker: p.name, start, end: line.at });
        start = null;
      }
    }
    if (start != null) intervals.push({ worker: p.name, start, end: exits.get(p.name) ?? Date.now() });
  }
  return intervals;
}

/** Pairs of workers that were extracting the same video at the same time. */
export function overlaps(processes: CliProcess[], exits: Map<string, number>, videos: string[]): string[] {
  const found: string[] = [];
  for (const video of videos) {
    const intervals = extractionIntervals(processes, exits, video);
    for (const a of intervals) {
      for (const b of intervals) {
        if (a.worker < b.worker && a.start < b.end && b.start < a.end) found.push(`${video}: ${a.worker} and ${b.worker}`);
      }
    }
  }
  return found;
}

export async function exitTimes(processes: CliProcess[]): Promise<Map<string, number>> {
  return new Map(await Promise.all(processes.map(async (p) => [p.name, (await p.exited).at] as [string, number])));
}
