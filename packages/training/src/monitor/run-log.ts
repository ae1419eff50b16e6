/**
 * run.log: the text log of a run folder, one timestamped line per event, as
 * mmengine writes beside its checkpoints. Lines are appended synchronously so
 * that a killed run's log ends with what it did last.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const RUN_LOG = 'run.log';

export interface RunLog {
  readonly file: string;
  /** A line in run.log, also shown to the user (through `echo`). */
  info(message: string): void;
  /** A line in run.log only (step records: the terminal shows them as progress). */
  record(message: string): void;
}

/** The log of `outDir`: a new one, or (`append`) the one a resumed run continues. */
export function createRunLog(outDir: string, options: { append: boolean; echo?: (message: string) => void }): RunLog {
  const file = path.join(outDir, RUN_LOG);
  if (!options.append) writeFileSync(file, '');
  const write = (message: string) => appendFileSync(file, message.split('\n').map((line) => `${new Date().toISOString()} ${line}\n`).join(''));
  return {
    file,
    info(message) {
      write(message);
      options.echo?.(message);
    },
    record: write,
  };
}

/** Bytes as "123.4 MB". */
export function formatBytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}
