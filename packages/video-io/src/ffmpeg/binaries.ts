/**
 * Which ffmpeg/ffprobe to run: env FFMPEG_PATH / FFPROBE_PATH, else the ones
 * on PATH, else the static binaries shipped inside the npm packages
 * @ffmpeg-installer/ffmpeg and @ffprobe-installer/ffprobe (so that a fresh
 * machine without ffmpeg works).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { VideoIOError } from '../errors.js';

const require = createRequire(import.meta.url);
const cache = new Map<string, string>();

function runs(binary: string): boolean {
  return spawnSync(binary, ['-version'], { stdio: 'ignore' }).status === 0;
}

/**
 * The installer packages mark their binary executable in an install script,
 * which package managers may skip (pnpm 10+ runs no dependency scripts unless
 * allowed): set the execute bits ourselves when they are missing.
 */
function makeExecutable(file: string): void {
  try {
    const mode = statSync(file).mode;
    if ((mode & 0o111) !== 0o111) chmodSync(file, mode | 0o755);
  } catch {
    // read-only installs: the candidate then fails to run and the next one is tried
  }
}

function resolveBinary(tool: 'ffmpeg' | 'ffprobe'): string {
  const cached = cache.get(tool);
  if (cached != null) return cached;
  const fromEnv = process.env[tool === 'ffmpeg' ? 'FFMPEG_PATH' : 'FFPROBE_PATH'];
  const candidates: string[] = [];
  if (fromEnv) candidates.push(fromEnv);
  candidates.push(tool);
  try {
    const pkg = require(tool === 'ffmpeg' ? '@ffmpeg-installer/ffmpeg' : '@ffprobe-installer/ffprobe') as { path: string };
    makeExecutable(pkg.path);
    candidates.push(pkg.path);
  } catch {
    // the packaged binary is optional when a system one exists
  }
  const found = candidates.find(runs);
  if (found == null) {
    throw new VideoIOError('NO_FFMPEG', `no working ${tool}: tried ${candidates.join(', ')}; set ${tool === 'ffmpeg' ? 'FFMPEG_PATH' : 'FFPROBE_PATH'} or reinstall @trajectorynet/video-io`, { path: tool });
  }
  cache.set(tool, found);
  return found;
}

export const ffmpegPath = (): string => resolveBinary('ffmpeg');
export const ffprobePath = (): string => resolveBinary('ffprobe');
