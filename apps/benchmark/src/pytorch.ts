/**
 * The PyTorch mirrors in python/ (Debian's python3-torch): run one with its
 * arguments and read the JSON line it prints. Null when torch is not importable.
 */
import { execFile, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const PYTHON = '/usr/bin/python3';
// beside dist/ in the package (tsup bundles this module into dist/)
const PYTHON_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../python');

export function torchImportable(): boolean {
  return spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
}

/** Runs python/<script> with `args`; its stdout parsed as JSON. */
export async function runTorchScript<T>(script: string, args: (string | number)[]): Promise<T> {
  const { stdout } = await promisify(execFile)(PYTHON, [path.join(PYTHON_DIR, script), ...args.map(String)], { maxBuffer: 1 << 20 });
  return JSON.parse(stdout) as T;
}
