/**
 * What every run (train, pretrain-motionnet, eval) leaves in its folder before
 * its first step: the resolved config (config.json) and the start of its text
 * log (run.log), so that a run killed at any point can be read and repeated.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { writeFileDurable } from '@trajectorynet/core/node';
import { TrainingError } from '../errors.js';
import { LATEST, METRICS } from '../loop/run-files.js';
import { createRunLog, type RunLog } from './run-log.js';

export const CONFIG_FILE = 'config.json';

export interface RunStartOptions {
  /** The resolved settings of the run, written as config.json. */
  config: unknown;
  /** What started the run (e.g. the command line), first line of a new log. */
  command?: string;
  /** Continue the run already in the folder (its log is appended to). */
  resume?: boolean;
  /** Replace a run already in the folder. */
  overwrite?: boolean;
  echo?: (message: string) => void;
}

export interface RunFolder {
  log: RunLog;
  /**
   * Writes config.json. A new run's is written at once; a resumed run's only
   * when this is called, once its checkpoint has been accepted, so that a
   * command pointed at another kind of run folder does not replace its config.
   */
  saveConfig(): Promise<void>;
}

/**
 * Claims `outDir` for a run: refuses a folder that holds another run unless
 * resuming or overwriting (before anything in it is touched), then writes
 * config.json (see RunFolder.saveConfig) and opens run.log.
 */
export async function startRunFolder(outDir: string, options: RunStartOptions): Promise<RunFolder> {
  const holdsRun = existsSync(path.join(outDir, LATEST)) || existsSync(path.join(outDir, METRICS));
  if (holdsRun && options.resume !== true && options.overwrite !== true) {
    throw new TrainingError('BAD_INPUT', 'already holds a run: continue it with --resume, or choose another --out (--overwrite replaces it)', { path: outDir });
  }
  await mkdir(outDir, { recursive: true });
  let saved = false;
  const saveConfig = async () => {
    if (saved) return;
    await writeFileDurable(path.join(outDir, CONFIG_FILE), `${JSON.stringify(options.config, null, 2)}\n`);
    saved = true;
  };
  if (!(options.resume === true && existsSync(path.join(outDir, LATEST)))) await saveConfig();
  const log = createRunLog(outDir, { append: options.resume === true && existsSync(path.join(outDir, 'run.log')), echo: options.echo });
  log.record(`${options.resume === true ? 'resumed' : 'started'}${options.command != null ? `: ${options.command}` : ''} (node ${process.version}, pid ${process.pid})`);
  return { log, saveConfig };
}
