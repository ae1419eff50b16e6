/**
 * The trajectorynet command line on the real packages, small: train -> eval ->
 * predict, MotionNet pretraining into a joint run, single-pair flow, and one
 * bad input of each kind with its documented exit code and a one-line error.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/cli.js');
const DATA = process.env.TRAJECTORYNET_DATA ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../shared/data');
const SMALL = ['data.size=32', 'data.frames=4', 'model.width=0.0625', 'data.trainClipsPerClass=1', 'data.valClipsPerClass=1', 'train.batchSize=4', 'schedule.warmupSteps=1'];
const cli = (args: string[], input?: string, cwd?: string) =>
  spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', input, cwd, env: { ...process.env, TRAJECTORYNET_BACKEND: 'wasm' } });
const sets = (list: string[]) => list.flatMap((s) => ['--set', s]);
const tempDir = (name: string) => mkdtemp(path.join(tmpdir(), `tjn-${name}-`));

/** One line on stderr, starting with the program's name; no stack trace. */
function expectOneLineError(result: ReturnType<typeof cli>, status: number, text: string | RegExp): void {
  expect(result.status, result.stderr).toBe(status);
  const lines = result.stderr.trim().split('\n');
  expect(lines.some((l) => /^\s+at /.test(l)), result.stderr).toBe(false);
  expect(result.stderr).toMatch(typeof text === 'string' ? new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : text);
}

// whole CLI runs (training included): minutes on a loaded 2-core machine
describe('trajectorynet end to end', { timeout: 600_000 }, () => {
  it('train -> eval -> predict through the CLI', async () => {
    const out = await tempDir('e2e');
    const train = cli(['train', '--preset', 'trajectorynet-r18-tiny', ...sets([...SMALL, 'train.epochs=2']), '--out', out, '--quiet']);
    expect(train.status, train.stderr).toBe(0);
    expect(train.stdout).toMatch(/best val top-1 \d+\.\d%.*trajectories: tvl1/);
    const metrics = (await readFile(path.join(out, 'metrics.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(metrics.filter((m) => m.kind === 'epoch')).toHaveLength(2);
    expect(await readFile(path.join(out, 'curves.svg'), 'utf8')).toContain('<svg');

    const evaluation = cli(['eval', '--checkpoint', path.join(out, 'best.ckpt'), '--json']);
    expect(evaluation.status, evaluation.stderr).toBe(0);
    const report = JSON.parse(evaluation.stdout);
    expect(report.clips).toBe(8);
    expect(report.confusion).toHaveLength(8);
    expect(await readFile(path.join(out, 'confusion.csv'), 'utf8')).toContain('right clockwise');

    const predict = cli(['predict', path.join(DATA, 'videos/test.mp4'), '--checkpoint', path.join(out, 'best.ckpt'), '--json', '--top', '3']);
    expect(predict.status, predict.stderr).toBe(0);
    const predictions = JSON.parse(predict.stdout).predictions;
    expect(predictions).toHaveLength(3);
    expect(predictions[0].score).toBeGreaterThanOrEqual(predictions[1].score);
    const folder = cli(['predict', path.join(DATA, 'rawframes'), '--checkpoint', path.join(out, 'best.ckpt')]);
    expect(folder.status, folder.stderr).toBe(0);

    // the same run folder again: refused (nothing is overwritten by a typo), resumed, or replaced on request
    expectOneLineError(cli(['train', '--preset', 'trajectorynet-r18-tiny', ...sets([...SMALL, 'train.epochs=2']), '--out', out]), 2, 'already holds a run');
    const resumed = cli(['train', '--preset', 'trajectorynet-r18-tiny', ...sets([...SMALL, 'train.epochs=2']), '--out', out, '--resume', '--quiet']);
    expect(resumed.status, resumed.stderr).toBe(0);
  });

  it('train -> eval -> predict on an mmaction list file made from the shared videos (a path with a space too)', async () => {
    const out = await tempDir('list');
    await mkdir(path.join(out, 'my videos'));
    await writeFile(path.join(out, 'my videos', 'clip one.mp4'), await readFile(path.join(DATA, 'videos/part_0.mp4')));
    const list = path.join(out, 'videos.txt');
    await writeFile(list, `${DATA}/videos/test.mp4 0\n${DATA}/videos/part_0.mp4 1\n${DATA}/videos/test.avi 2\n${out}/my videos/clip one.mp4 1\n`);
    const overrides = [...SMALL, 'train.epochs=1', 'data.kind=list', `data.trainList=${list}`, `data.valList=${list}`, 'train.batchSize=2'];
    const train = cli(['train', '--preset', 's3d-r18-tiny', ...sets(overrides), '--out', path.join(out, 'run'), '--quiet']);
    expect(train.status, train.stderr).toBe(0);
    const checkpoint = path.join(out, 'run', 'best.ckpt');
    const evaluation = cli(['eval', '--checkpoint', checkpoint, '--json']);
    expect(evaluation.status, evaluation.stderr).toBe(0);
    expect(JSON.parse(evaluation.stdout).clips).toBe(4);
    // 2 clips x 3 crops per video, averaged per video
    const multiView = cli(['eval', '--checkpoint', checkpoint, '--set', 'eval.clips=2', '--set', 'eval.crops=3', '--json']);
    expect(multiView.status, multiView.stderr).toBe(0);
    expect(JSON.parse(multiView.stdout)).toMatchObject({ clips: 4, views: 24 });
    // eval changes how the data are viewed, never the model
    expectOneLineError(cli(['eval', '--checkpoint', checkpoint, '--set', 'model.width=2']), 2, "eval changes only data.* and eval.* settings");
    const predict = cli(['predict', path.join(DATA, 'videos/test.avi'), '--checkpoint', checkpoint, '--json']);
    expect(predict.status, predict.stderr).toBe(0);
    expect(JSON.parse(predict.stdout).predictions.map((p: { label: string }) => p.label).sort()).toEqual(['0', '1', '2']);
  });

  it('pretrain-motionnet on the shared videos resumes when run again, and its checkpoint starts the joint model', async () => {
    const out = await tempDir('pretrain');
    const args = (steps: number) => ['pretrain-motionnet', path.join(DATA, 'videos'), '--out', out, '--steps', String(steps), '--frames', '5', '--size', '32', '--width', '0.0625', '--batch', '2', '--lr', '1e-3', '--checkpoint-every', '1'];
    const first = cli(args(2));
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toContain('2 steps');
    const again = cli(args(3));
    expect(again.status, again.stderr).toBe(0);
    const steps = (await readFile(path.join(out, 'metrics.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l)).filter((r) => r.kind === 'step');
    expect(steps.map((h) => h.step)).toEqual([1, 2, 3]);
    expect(await readFile(path.join(out, 'loss.svg'), 'utf8')).toContain('<svg');
    const checkpoint = path.join(out, 'latest.ckpt');

    const joint = cli(['train', '--preset', 'trajectorynet-r18-motionnet-tiny', ...sets([...SMALL, 'train.epochs=1', 'motionnet.width=0.0625', `motionnet.pretrained=${checkpoint}`]), '--out', path.join(out, 'joint'), '--quiet']);
    expect(joint.status, joint.stderr).toBe(0);
    expect(joint.stderr).toContain(`MotionNet weights from ${checkpoint}`);
    // a checkpoint for another clip length is refused saying which MotionNet to pretrain (a config mistake: exit 2)
    const wrong = cli(['train', '--preset', 'trajectorynet-r18-motionnet-tiny', ...sets([...SMALL, 'data.frames=8', 'motionnet.width=0.0625', `motionnet.pretrained=${checkpoint}`]), '--out', path.join(out, 'bad'), '--quiet']);
    expectOneLineError(wrong, 2, /latest\.ckpt: this MotionNet takes 5 frames; the model's takes 9 .*pretrain one with --frames 9/);
  });

  it('the dataset workflow: Something-Something V1 frame folders + CSVs -> extract-flow -> train on the flows (no TV-L1 solved) -> eval', async () => {
    const root = await tempDir('sthv1');
    const frames = path.join(root, 'frames');
    // SSv1 layout: <root>/<video id>/00001.jpg, from the shared videos (24 frames each, 85x64)
    const { readFrames, writeFrame } = await import('@trajectorynet/video-io');
    const videos = [['101', 'test.mp4', 'Pushing something'], ['102', 'part_0.mp4', 'Pulling something'], ['103', 'test.avi', 'Pushing something'], ['104', 'part_0.mp4', 'Pulling something']];
    for (const [id, file] of videos) {
      const decoded = await readFrames(path.join(DATA, 'videos', file), { indices: Array.from({ length: 24 }, (_, i) => i), resize: { width: 85, height: 64 } });
      for (const [i, data] of decoded.frames.entries()) await writeFrame(path.join(frames, id, `${String(i + 1).padStart(5, '0')}.jpg`), { width: 85, height: 64, data });
    }
    await writeFile(path.join(root, 'labels.csv'), 'Pulling something\nPushing something\n');
    await writeFile(path.join(root, 'train.csv'), videos.map(([id, , label]) => `${id};${label}`).join('\n'));
    await writeFile(path.join(root, 'val.csv'), videos.slice(0, 2).map(([id, , label]) => `${id};${label}`).join('\n'));
    const data = ['data.kind=sthv1', `data.root=${frames}`, `data.trainList=${root}/train.csv`, `data.valList=${root}/val.csv`, `data.labels=${root}/labels.csv`, `data.flowDir=${root}/flows`, 'data.frameInterval=2'];
    const extract = cli(['extract-flow', '--preset', 'trajectorynet-r18-tiny', ...sets([...SMALL, ...data])]);
    expect(extract.status, extract.stderr).toBe(0);
    expect(extract.stdout).toMatch(/4 videos done \(92 pairs computed\), 0 failed/);
    expect(existsSync(path.join(root, 'flows', '101', 'x_00023.jpg'))).toBe(true);
    // training at a larger size than the flows were extracted at: refused naming the folder (it used to train on them without a word)
    const larger = [...SMALL, ...data, 'data.size=64', 'train.epochs=1', 'train.batchSize=2'];
    expectOneLineError(cli(['train', '--preset', 'trajectorynet-r18-tiny', ...sets(larger), '--out', path.join(root, 'run64'), '--quiet']), 3, /flows\/101: flows computed at 49x37, smaller than training decodes/);
    // and extract-flow at that size notices (it used to report "0 pairs computed")
    const again = cli(['extract-flow', '--preset', 'trajectorynet-r18-tiny', ...sets([...SMALL, ...data, 'data.size=64'])]);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/4 videos done \(92 pairs computed\), 0 failed/);
    expect(again.stdout).toMatch(/4 of them re-extracted: their flows were made differently \(e\.g\. .*flows\/10\d: frame size 49x37, wanted 97x73\)/);
    const out = path.join(root, 'run');
    const train = cli(['train', '--preset', 'trajectorynet-r18-tiny', ...sets([...SMALL, ...data, 'train.epochs=1', 'train.batchSize=2']), '--out', out, '--quiet']);
    expect(train.status, train.stderr).toBe(0);
    const epoch = (await readFile(path.join(out, 'metrics.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l)).find((r) => r.kind === 'epoch');
    expect([epoch.flowSource, epoch.tvl1Solves]).toEqual(['precomputed', 0]);
    const evaluation = cli(['eval', '--checkpoint', path.join(out, 'best.ckpt'), '--json']);
    expect(evaluation.status, evaluation.stderr).toBe(0);
    expect(JSON.parse(evaluation.stdout).clips).toBe(2);
  });

  it('mmaction conventions: config printing, work_dirs, --seed, --keep, --resume with the run\'s own config.json, eval in its own folder with --dump, small data', async () => {
    const cwd = await tempDir('workdirs');
    const printed = cli(['config', '--preset', 's3d-r18-tiny', ...sets(['train.epochs=3', 'optimizer.weightDecay=null'])]);
    expect(printed.status, printed.stderr).toBe(0);
    const resolved = JSON.parse(printed.stdout);
    // the tiny preset's weight decay (1e-4) removed: the schema's default (5e-4) applies
    expect([resolved.preset, resolved.train.epochs, resolved.model.width, resolved.optimizer.weightDecay]).toEqual(['s3d-r18-tiny', 3, 0.125, 5e-4]);

    // no --out: work_dirs/<preset>, with its config and log from the start
    const train = cli(['train', '--preset', 's3d-r18-tiny', ...sets([...SMALL, 'train.epochs=2']), '--seed', '3', '--keep', '1', '--quiet'], undefined, cwd);
    expect(train.status, train.stderr).toBe(0);
    const out = path.join(cwd, 'work_dirs', 's3d-r18-tiny');
    const config = JSON.parse(await readFile(path.join(out, 'config.json'), 'utf8'));
    expect([config.train.seed, config.train.keep]).toEqual([3, 1]);
    expect(existsSync(path.join(out, 'epoch_2.ckpt'))).toBe(true);
    expect(existsSync(path.join(out, 'epoch_1.ckpt'))).toBe(false);
    expect(train.stderr).toMatch(/backend wasm, seed 3/);
    expect(await readFile(path.join(out, 'run.log'), 'utf8')).toMatch(/started: trajectorynet train --preset s3d-r18-tiny/);
    expect(train.stdout).toMatch(/epoch [12]; trajectories: none/);

    // --resume without the original flags: the run's config.json (no "label map differs"), one more epoch
    // (not --quiet: a quiet run keeps these lines in run.log only)
    const resumed = cli(['train', '--out', 'work_dirs/s3d-r18-tiny', '--resume', '--set', 'train.epochs=3'], undefined, cwd);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(`config: ${path.join('work_dirs', 's3d-r18-tiny', 'config.json')}`);
    expect(resumed.stderr).toMatch(/resuming from work_dirs\/s3d-r18-tiny\/latest\.ckpt: epoch 3, step 4 of 6 steps/);
    expect(existsSync(path.join(out, 'epoch_3.ckpt'))).toBe(true);
    // --resume with another model's preset: refused at once, naming the key (not a missing weight after flow extraction)
    const otherModel = cli(['train', '--preset', 'trajectorynet-r18-tiny', '--out', 'work_dirs/s3d-r18-tiny', '--resume', '--set', 'train.epochs=4'], undefined, cwd);
    expectOneLineError(otherModel, 2, 'config.json: was trained with model.variant="s3d" but preset trajectorynet-r18-tiny has model.variant="trajectorynet"');
    expect(existsSync(path.join(out, 'epoch_4.ckpt'))).toBe(false);

    const evaluation = cli(['eval', '--checkpoint', path.join(out, 'epoch_3.ckpt'), '--dump', path.join(out, 'scores.json')]);
    expect(evaluation.status, evaluation.stderr).toBe(0);
    expect(evaluation.stdout).toMatch(/8 videos \(8 views, 1x1 per video\), checkpoint epoch 3: top-1/);
    expect(evaluation.stdout).toContain(`report: ${path.join(out, 'eval-epoch_3-val-1x1')}`);
    expect(JSON.parse(await readFile(path.join(out, 'eval-epoch_3-val-1x1', 'eval.json'), 'utf8')).epoch).toBe(3);
    expect(JSON.parse(await readFile(path.join(out, 'scores.json'), 'utf8')).videos).toHaveLength(8);

    // a batch larger than the training set: both numbers, exit 3 (bad data)
    const small = cli(['train', '--preset', 's3d-r18-tiny', ...sets([...SMALL, 'train.batchSize=16']), '--out', path.join(cwd, 'small')]);
    expectOneLineError(small, 3, 'the training set has 8 videos, fewer than train.batchSize (16)');
    // a key the data kind ignores: a warning
    const ignored = cli(['config', '--preset', 's3d-r18-tiny', '--set', 'data.root=videos']);
    expect(ignored.stderr).toContain("warning: data.root is ignored by data.kind 'synthetic'");
  });

  it('demo: four models (S3D; TrajectoryNet on the true motion, on TV-L1, on TV-L1 + motion) in one table with intervals', async () => {
    const out = await tempDir('demo');
    const result = cli(['demo', '--epochs', '1', '--clips', '1', '--val-clips', '1', '--out', out]);
    expect(result.status, result.stderr).toBe(0);
    for (const name of ['S3D-R18 (temporal conv)', 'TrajectoryNet-R18 (true motion)', 'TrajectoryNet-R18 (TV-L1)', 'TrajectoryNet-R18 (TV-L1) + motion']) {
      // "| name | 12.5% [2.2, 47.1] |": the accuracy, then its interval around it
      const row = result.stdout.split('\n').find((line) => line.startsWith(`| ${name}`));
      const match = row?.match(/\| ([\d.]+)% \[([\d.]+), ([\d.]+)\]/);
      expect(match, `${name} in\n${result.stdout}`).not.toBeNull();
      const [accuracy, low, high] = (match as RegExpMatchArray).slice(1).map(Number);
      expect(low).toBeLessThanOrEqual(accuracy);
      expect(high).toBeGreaterThanOrEqual(accuracy);
    }
    // "minus S3D": each TrajectoryNet row's accuracy less S3D's, as printed (one decimal each; with 8 validation clips every
    // accuracy is a multiple of 12.5%, exact at one decimal, so the printed difference equals the difference of the printed values)
    const accuracyOf = (name: string) => Number(result.stdout.split('\n').find((line) => line.startsWith(`| ${name}`))?.match(/\| ([\d.]+)% \[/)?.[1]);
    const tvl1Row = result.stdout.split('\n').find((line) => line.startsWith('| TrajectoryNet-R18 (TV-L1)')) as string;
    const difference = Number(tvl1Row.split('|')[3].trim());
    expect(difference).toBeCloseTo(accuracyOf('TrajectoryNet-R18 (TV-L1)') - accuracyOf('S3D-R18 (temporal conv)'), 1);
    const epochs = (await readFile(path.join(out, 'trajectorynet-true-motion', 'metrics.jsonl'), 'utf8')).split('\n').filter((l) => l.includes('"kind":"epoch"'));
    // the table shows the last epoch's validation (here the only one)
    expect(accuracyOf('TrajectoryNet-R18 (true motion)')).toBeCloseTo(JSON.parse(epochs.at(-1) as string).val.top1 * 100, 1);
    expect(JSON.parse(epochs[0]).flowSource).toBe('groundtruth');
    // the engine it trained on, under the table: native kernels or why not
    const engine = result.stdout.split('\n').find((line) => line.startsWith('tfjs backend: '));
    expect(engine, result.stdout).toMatch(process.env.TRAJECTORYNET_NATIVE === '0' ? /native kernels off: turned off/ : /\+ libtorch [\d.]+ kernels|native kernels off: /);
  });

  it('demo --models trains only the models named', async () => {
    const out = await tempDir('demo-models');
    const result = cli(['demo', '--epochs', '1', '--clips', '1', '--val-clips', '1', '--models', 's3d', '--out', out]);
    expect(result.status, result.stderr).toBe(0);
    const rows = result.stdout.split('\n').filter((line) => /^\| (S3D|TrajectoryNet)/.test(line));
    expect(rows.map((row) => row.split('|')[1].trim())).toEqual(['S3D-R18 (temporal conv)']);
    const refused = cli(['demo', '--models', 'c3d', '--out', out]);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toMatch(/c3d.*(invalid|choices)|(invalid|choices).*c3d/is);
    // --trajectory-stages: the TrajectoryNet row names its stages, trains into its own folder, and its config has them
    const staged = cli(['demo', '--epochs', '1', '--clips', '1', '--val-clips', '1', '--models', 'true', '--trajectory-stages', 'res2', 'res3', '--out', out]);
    expect(staged.status, staged.stderr).toBe(0);
    expect(staged.stdout).toMatch(/^\| TrajectoryNet-R18 \(true motion\) \[res2, res3\]/m);
    const config = JSON.parse(await readFile(path.join(out, 'trajectorynet-true-motion-res2-res3', 'config.json'), 'utf8'));
    expect(config.model.trajectoryStages).toEqual(['res2', 'res3']);
  });

  it('extract-flow goes on past videos that cannot be read, names them, and exits 3', async () => {
    const dir = await tempDir('extract');
    await writeFile(path.join(dir, 'empty.mp4'), '');
    await mkdir(path.join(dir, 'one-frame'));
    await writeFile(path.join(dir, 'one-frame', 'img_00001.jpg'), await readFile(path.join(DATA, 'rawframes', 'img_00001.jpg')));
    await writeFile(path.join(dir, 'list.txt'), 'empty.mp4 0\nok.mp4 1\none-frame 1 0\n');
    await writeFile(path.join(dir, 'ok.mp4'), await readFile(path.join(DATA, 'videos/part_0.mp4')));
    const result = cli(['extract-flow', '--list', path.join(dir, 'list.txt'), '--root', dir, '--out', path.join(dir, 'flows'), '--resize', '40x30']);
    expect(result.status, result.stderr).toBe(3);
    expect(result.stdout).toMatch(/1 videos done \(31 pairs computed\), 2 failed/);
    expect(result.stderr).toMatch(/empty\.mp4: the file is empty/);
    expect(result.stderr).toMatch(/one-frame: has 1 frame; flow needs at least 2/);
  });

  it('flow: TV-L1 for a pair of images, as .flo and a colour PNG', async () => {
    const out = await tempDir('flow');
    const result = cli(['flow', path.join(DATA, 'flow/flyingchairs/0000000-img0.ppm'), path.join(DATA, 'flow/flyingchairs/0000000-img1.ppm'), '--out', path.join(out, 'pair.flo')]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/TV-L1 flow 512x384/);
    expect(existsSync(path.join(out, 'pair.flo'))).toBe(true);
    expect(existsSync(path.join(out, 'pair.png'))).toBe(true);
  });

  it('pretrain-motionnet procedural (textures from frames) gives a pairwise MotionNet that flow --motionnet runs on a pair of any size', async () => {
    const out = await tempDir('procedural');
    const run = path.join(out, 'run');
    const pretrain = cli(['pretrain-motionnet', 'procedural', '--textures', path.join(DATA, 'rawframes'), '--out', run, '--steps', '2', '--size', '64', '--width', '0.0625', '--batch', '1', '--checkpoint-every', '1']);
    expect(pretrain.status, pretrain.stderr).toBe(0);
    expect(pretrain.stdout).toContain('2 steps');
    // the recipe's two phases in the recipe's share of the steps: 1 unsupervised, 1 on the true flow
    const rounds = (await readFile(path.join(run, 'metrics.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l)).filter((r) => r.kind === 'epoch');
    expect(rounds.map((r) => [r.train.photometric != null, r.train.epe != null])).toEqual([[true, false], [false, true]]);
    // and the recipe's rate decay (2400,3500,4250,4750 of 5000) scaled to 2 steps: halved twice after step 1
    expect(pretrain.stderr).toContain("the recipe's rate decay at steps 1,1,2,2 of 2");
    const steps = (await readFile(path.join(run, 'metrics.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l)).filter((r) => r.kind === 'step');
    expect(steps.map((r) => r.lr)).toEqual([1e-3, 2.5e-4]);
    const flow = cli(['flow', path.join(DATA, 'flow/flyingchairs/0000000-img0.ppm'), path.join(DATA, 'flow/flyingchairs/0000000-img1.ppm'), '--out', path.join(out, 'mn.flo'), '--motionnet', run, '--scale', '0.125']);
    expect(flow.status, flow.stderr).toBe(0);
    expect(flow.stdout).toMatch(/MotionNet flow 512x384/);
    expect(existsSync(path.join(out, 'mn.png'))).toBe(true);
    const matched = cli(['flow', path.join(DATA, 'flow/flyingchairs/0000000-img0.ppm'), path.join(DATA, 'flow/flyingchairs/0000000-img1.ppm'), '--out', path.join(out, 'mn-matched.flo'), '--motionnet', run, '--scale', '0.125', '--match-brightness']);
    expect(matched.status, matched.stderr).toBe(0);
    expect(existsSync(path.join(out, 'mn-matched.png'))).toBe(true);
    expectOneLineError(cli(['flow', path.join(DATA, 'flow/flyingchairs/0000000-img0.ppm'), path.join(DATA, 'flow/flyingchairs/0000000-img1.ppm'), '--out', path.join(out, 't.flo'), '--match-brightness']), 2, '--match-brightness: ');
    expectOneLineError(cli(['pretrain-motionnet', path.join(DATA, 'videos'), '--textures', path.join(DATA, 'rawframes'), '--out', path.join(out, 'x')]), 2, "--textures: textures are for the 'procedural' source");
    expectOneLineError(cli(['pretrain-motionnet', 'procedural', '--supervision', 'none', '--supervised-from', '100', '--out', path.join(out, 'y')]), 2, '--supervised-from: ');
  });

  it("pretrain-motionnet --preset trains on the config's training videos only (never its validation ones)", async () => {
    const out = await tempDir('from-config');
    const run = path.join(out, 'run');
    const pretrain = cli(['pretrain-motionnet', '--preset', 's3d-r18-tiny', ...sets(['data.trainClipsPerClass=2', 'data.valClipsPerClass=3']), '--out', run, '--steps', '1', '--frames', '2', '--size', '32', '--width', '0.0625', '--batch', '1', '--checkpoint-every', '1']);
    expect(pretrain.status, pretrain.stderr).toBe(0);
    expect(pretrain.stdout).toContain('1 steps');
    // 8 classes x 2 training clips; the 24 validation clips are not among them
    expect(JSON.parse(await readFile(path.join(run, 'config.json'), 'utf8')).source).toBe('a dataset of 16 samples');
    expectOneLineError(cli(['pretrain-motionnet', 'procedural', '--preset', 's3d-r18-tiny', '--out', path.join(out, 'x')]), 2, 'source: give a source or --config/--preset, not both');
    expectOneLineError(cli(['pretrain-motionnet', '--out', path.join(out, 'y')]), 2, 'source: give a source');
    expectOneLineError(cli(['pretrain-motionnet', 'procedural', '--set', 'data.size=64', '--out', path.join(out, 'z')]), 2, '--set: --set changes the settings of --config or --preset');
  });

  it('one bad input of each kind: a one-line error and the documented exit code', async () => {
    const dir = await tempDir('bad');
    const file = path.join(dir, 'a-file');
    await writeFile(file, 'x');
    const damaged = path.join(dir, 'bad.ckpt');
    await writeFile(damaged, 'TJNCKPT1garbage');
    const video = path.join(DATA, 'videos/test.mp4');
    const cases: [string[], number, string | RegExp][] = [
      // 2: options and config
      [['train', '--preset', 'nope', '--out', dir], 2, "unknown preset 'nope'"],
      [['train', '--preset', 's3d-r18-tiny', '--set', 'train.epoch=3', '--out', dir], 2, 'train.epoch'],
      [['train', '--preset', 's3d-r18-tiny', '--set', 'data.flowDir=x', '--out', dir], 2, 'data.flowDir'],
      [['train', '--resume', '--out', path.join(dir, 'never-started')], 2, /never-started: has no config\.json to resume with: give the run's --config or --preset/],
      [['predict', video, '--checkpoint', damaged, '--top', '0'], 2, /--top.*expected an integer >= 1, got '0'/],
      [['predict', video, '--checkpoint', damaged, '--top', 'abc'], 2, /expected an integer/],
      [['predict', video, '--checkpoint', damaged, '--top', '-3'], 2, /expected an integer/],
      [['pretrain-motionnet', DATA, '--out', dir, '--size', '100'], 2, /--size: must be a multiple of 32/],
      [['eval', '--checkpoint', damaged, '--split', 'test'], 2, /--split: must be train or val/],
      [['flow', video, video, '--out', path.join(dir, 'x.png')], 2, /--out: must end with \.flo/],
      [['train', '--preset', 's3d-r18-tiny', '--set', 'backend=tensorflow', '--out', path.join(dir, 'tf')], 6, /tensorflow/],
      // 3: data
      [['train', '--preset', 's3d-r18-tiny', '--set', 'data.kind=list', '--set', 'data.trainList=/nonexistent/train.txt', '--set', 'data.valList=/nonexistent/val.txt', '--out', path.join(dir, 'r3')], 3, '/nonexistent/train.txt'],
      [['pretrain-motionnet', '/no/such/videos', '--out', path.join(dir, 'x')], 3, '/no/such/videos'],
      // 4: checkpoints
      [['predict', video, '--checkpoint', damaged], 4, damaged],
      [['eval', '--checkpoint', path.join(dir, 'missing.ckpt')], 4, 'missing.ckpt'],
      // 6: outputs that cannot be written
      [['train', '--preset', 's3d-r18-tiny', '--out', file], 6, /a-file: is a file, not a folder/],
      [['pretrain-motionnet', DATA, '--out', file], 6, /a-file: is a file, not a folder/],
      [['eval', '--checkpoint', damaged, '--out', file], 6, /a-file: is a file, not a folder/],
      // input files: data
      [['predict', path.join(dir, 'nothing.mp4'), '--checkpoint', damaged], 3, 'no such video'],
      [['flow', path.join(dir, 'nothing.png'), video, '--out', path.join(dir, 'f.flo')], 3, 'no such image'],
    ];
    for (const [args, status, message] of cases) {
      const result = cli(args);
      expect(result.status, `${args.join(' ')}\n${result.stderr}`).toBe(status);
      expectOneLineError(result, status, message);
    }
  });

  it('output that cannot be written is an error, not a silent success', () => {
    if (!existsSync('/dev/full')) return;
    const result = spawnSync('sh', ['-c', `"${process.execPath}" "${CLI}" --help > /dev/full`], { encoding: 'utf8' });
    expect(result.status).not.toBe(0);
    // a reader that stops early (| head) is not a failure: no error line
    const piped = spawnSync('sh', ['-c', `"${process.execPath}" "${CLI}" pretrain-motionnet --help | head -1`], { encoding: 'utf8' });
    expect(piped.stdout).toMatch(/^Usage: trajectorynet pretrain-motionnet/);
    expect(piped.stderr).toBe('');
  });

  it('--help on every command, with examples, and --version', () => {
    for (const command of ['demo', 'train', 'config', 'eval', 'predict', 'flow', 'extract-flow', 'pretrain-motionnet', 'info']) {
      const help = execFileSync(process.execPath, [CLI, command, '--help'], { encoding: 'utf8' });
      expect(help, command).toContain('Examples:');
    }
    expect(execFileSync(process.execPath, [CLI, '--help'], { encoding: 'utf8' })).toContain('Exit codes');
    expect(execFileSync(process.execPath, [CLI, '--version'], { encoding: 'utf8' }).trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});
