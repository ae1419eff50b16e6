/**
 * The README's exit-code table is the contract: each row's example, run as
 * written in an empty folder, exits with the row's code and (an error) says
 * so in one line. Then the bad inputs an earlier fault-injection round found
 * answered with the wrong code, a runaway or the whole help text.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.resolve(HERE, '../dist/cli.js');
const DATA = process.env.TRAJECTORYNET_DATA ?? path.resolve(HERE, '../../../../shared/data');
const tempDir = (name: string) => mkdtemp(path.join(tmpdir(), `tjn-${name}-`));

/** `trajectorynet ...` as a shell command line, run with this build in `cwd`. */
function run(commandLine: string, cwd: string) {
  return spawnSync('sh', ['-c', commandLine.replace(/^trajectorynet\b/, `"${process.execPath}" "${CLI}"`)], { cwd, encoding: 'utf8', env: { ...process.env, TRAJECTORYNET_BACKEND: 'wasm' } });
}

/** An error: one line naming the problem, at most followed by where to look; no stack trace, no help text. */
function expectOneLine(result: ReturnType<typeof run>, what: string): void {
  const lines = result.stderr.trim().split('\n');
  // a run that started says what it is before it fails (backend and seed, warnings, where it starts); nothing else may come first
  const start = lines.findIndex((line) => !/^(backend |warning: |new run|resuming |config: )/.test(line));
  const rest = lines.slice(start);
  expect(rest.length, `${what}\n${result.stderr}`).toBeLessThanOrEqual(2);
  expect(rest[0], what).toMatch(/^(trajectorynet|error)/);
  if (rest.length === 2) expect(rest[1], what).toMatch(/^\(see `trajectorynet( [a-z-]+)? --help`\)$/);
  expect(result.stderr, what).not.toMatch(/^\s+at /m);
}

/** The rows of the README's exit-code table: code and example command line (null: no example). */
async function exitCodeTable(): Promise<{ code: number; example: string | null }[]> {
  const readme = await readFile(path.resolve(HERE, '../README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Exit codes'));
  return [...section.matchAll(/^\| (\d) \| [^|]+ \| (?:`([^`]+)`|\(none\)) \|$/gm)].map((m) => ({ code: Number(m[1]), example: m[2] ?? null }));
}

describe('exit codes', { timeout: 600_000 }, () => {
  it("the README's table: every example exits with its row's code", async () => {
    const rows = await exitCodeTable();
    expect(rows.map((r) => r.code)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const cwd = await tempDir('table');
    for (const { code, example } of rows) {
      if (example == null) continue;
      const result = run(example, cwd);
      expect(result.status, `${example}\n${result.stderr}`).toBe(code);
      if (code !== 0) expectOneLine(result, example);
    }
  });

  it('bad inputs found by fault injection: refused with one line and the documented code', async () => {
    const cwd = await tempDir('bad');
    // a frame folder with one frame, from the shared data
    await mkdir(path.join(cwd, 'one-frame'));
    await symlink(path.join(DATA, 'rawframes/img_00001.jpg'), path.join(cwd, 'one-frame/img_00001.jpg'));
    const video = path.join(DATA, 'videos/part_0.mp4');
    const image = path.join(DATA, 'rawframes/img_00001.jpg');
    const cases: [string, number, RegExp][] = [
      // used to be accepted and run away in memory
      ['trajectorynet pretrain-motionnet procedural --out mn --size 1048576', 2, /--size.*from 32 to 512/],
      // used to exit 3 with "Invalid typed array length"
      [`trajectorynet extract-flow --list list.txt --out flow --resize 100000x100000`, 2, /--resize.*at most 4096/],
      // used to make every step supervised without a word
      ['trajectorynet pretrain-motionnet procedural --out mn --steps 1', 2, /--steps: 1 step cannot hold the recipe's two phases/],
      ['trajectorynet pretrain-motionnet procedural --out mn --steps 20 --checkpoint-every 20', 2, /--checkpoint-every: rounds of 20 steps do not fit the recipe's switch to the true flow at step 14 of 20/],
      // used to train on it and exit 0
      ['trajectorynet pretrain-motionnet one-frame --out mn --steps 1 --size 32', 3, /one-frame: too few frames: it has 1 frame/],
      // missing inputs: data (3), as everywhere else; a missing checkpoint: 4, as eval and predict
      [`trajectorynet predict no-such.mp4 --checkpoint x.ckpt`, 3, /no-such\.mp4: no such video/],
      [`trajectorynet flow no-such.png ${image} --out f.flo`, 3, /no-such\.png: no such image/],
      ['trajectorynet export-web --checkpoint no-such.ckpt --out web', 4, /no-such\.ckpt: no such checkpoint/],
      // option errors: one line and where to look, not the whole help
      [`trajectorynet predict ${video} --checkpoint x.ckpt --top 0`, 2, /--top.*expected an integer >= 1/],
      [`trajectorynet flow ${image} ${image} --out f.flo --scale NaN`, 2, /--scale.*expected a positive number/],
      // --out defaults to work_dirs/<preset>; resuming a folder that holds no run is the command's mistake
      ['trajectorynet train --resume --out no-such-run', 2, /no-such-run: has no config\.json to resume with/],
      ['trajectorynet extract-flow --root .', 2, /extract-flow needs --list and --out, --config, or --queue/],
    ];
    for (const [commandLine, code, message] of cases) {
      const result = run(commandLine, cwd);
      expect(result.status, `${commandLine}\n${result.stderr}`).toBe(code);
      expect(result.stderr, commandLine).toMatch(message);
      expectOneLine(result, commandLine);
    }
  });
});
