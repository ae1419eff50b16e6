/**
 * The READMEs' command blocks marked runnable (`<!-- runnable: in a folder
 * with clip.mp4 -->` before a sh block) run as written: in an empty folder
 * holding clip.mp4 (a shared video), with `trajectorynet` being this build.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.resolve(HERE, '../dist/cli.js');
const ROOT = path.resolve(HERE, '../../..');
const DATA = process.env.TRAJECTORYNET_DATA ?? path.resolve(ROOT, '../shared/data');
const READMES = ['README.md', 'apps/trainer/README.md', 'packages/motionnet/README.md'];

async function runnableBlocks(): Promise<{ readme: string; script: string }[]> {
  const blocks: { readme: string; script: string }[] = [];
  for (const readme of READMES) {
    const text = await readFile(path.join(ROOT, readme), 'utf8');
    for (const match of text.matchAll(/<!-- runnable: in a folder with clip\.mp4 -->\n```sh\n([\s\S]*?)```/g)) blocks.push({ readme, script: match[1] });
  }
  return blocks;
}

describe('README commands', { timeout: 900_000 }, () => {
  it('every block marked runnable runs as written', async () => {
    const blocks = await runnableBlocks();
    // the trainer's quick start and its path from pretraining to joint training at least
    expect(blocks.filter((b) => b.readme === 'apps/trainer/README.md').length).toBeGreaterThanOrEqual(2);
    for (const { readme, script } of blocks) {
      const cwd = await mkdtemp(path.join(tmpdir(), 'tjn-readme-'));
      await symlink(path.join(DATA, 'videos/part_0.mp4'), path.join(cwd, 'clip.mp4'));
      const shell = `set -e\ntrajectorynet() { "${process.execPath}" "${CLI}" "$@"; }\n${script}`;
      const result = spawnSync('sh', ['-c', shell], { cwd, encoding: 'utf8', env: { ...process.env, TRAJECTORYNET_BACKEND: 'wasm' } });
      expect(result.status, `${readme}:\n${script}\n${result.stderr}`).toBe(0);
    }
  });
});
