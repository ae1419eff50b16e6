import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkTrainingSetSize, scheduleWarnings } from '../src/config/checks.js';
import { deepMerge, parseOverride, resolveConfig } from '../src/config/load.js';
import { PRESET_NAMES } from '../src/config/presets.js';
import { TrainingError } from '../src/errors.js';

async function tempFile(name: string, text: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tjn-config-'));
  const file = path.join(dir, name);
  await writeFile(file, text);
  return file;
}

describe('config', () => {
  it('preset, then file, then --set flags, each overriding the one before', async () => {
    const file = await tempFile('run.yaml', 'model:\n  width: 0.25\ntrain:\n  epochs: 3\n');
    const config = await resolveConfig({ preset: 'trajectorynet-r18-tiny', file, overrides: ['train.epochs=5', 'optimizer.lr=0.1'] });
    expect(config.model.variant).toBe('trajectorynet');
    expect(config.model.width).toBe(0.25); // file over preset (0.125)
    expect(config.train.epochs).toBe(5); // flag over file
    expect(config.optimizer.lr).toBe(0.1);
    expect(config.data.size).toBe(64); // from the tiny preset
    expect(config.preset).toBe('trajectorynet-r18-tiny');
  });

  it('reads JSON too', async () => {
    const file = await tempFile('run.json', JSON.stringify({ preset: 's3d-r18', data: { frames: 16 } }));
    const config = await resolveConfig({ file });
    expect(config.model.variant).toBe('s3d');
    expect(config.data.frames).toBe(16);
  });

  it('every preset resolves to a valid config', async () => {
    for (const preset of PRESET_NAMES) await expect(resolveConfig({ preset })).resolves.toBeTruthy();
  });

  it('names a misspelt key', async () => {
    const file = await tempFile('bad.yaml', 'model:\n  widht: 0.5\n');
    const error = await resolveConfig({ file }).catch((e) => e);
    expect(error).toBeInstanceOf(TrainingError);
    expect(error.code).toBe('BAD_CONFIG');
    expect(error.message).toContain('model.widht');
    expect(error.message).toContain(file);
  });

  it('names a key with a bad value', async () => {
    const error = await resolveConfig({ overrides: ['train.batchSize=-2'] }).catch((e) => e);
    expect(error.message).toContain("'train.batchSize'");
  });

  it('rejects an unknown preset, listing the known ones', async () => {
    const error = await resolveConfig({ preset: 'resnet-9000' }).catch((e) => e);
    expect(error.message).toContain("unknown preset 'resnet-9000'");
    expect(error.message).toContain('s3d-r18-tiny');
  });

  it('rejects a file that is not JSON/YAML or not an object, naming the file', async () => {
    const broken = await tempFile('broken.yaml', 'model: [1, 2\n');
    await expect(resolveConfig({ file: broken })).rejects.toThrow(broken);
    const scalar = await tempFile('scalar.yaml', '42\n');
    await expect(resolveConfig({ file: scalar })).rejects.toThrow(/must be an object/);
    await expect(resolveConfig({ file: '/nonexistent/x.yaml' })).rejects.toThrow(/cannot read config file \(ENOENT\)/);
  });

  it('parses overrides as YAML values and merges deeply', () => {
    expect(parseOverride('schedule.milestones=[0.3, 0.6]')).toEqual({ schedule: { milestones: [0.3, 0.6] } });
    expect(parseOverride('model.withMotion=true')).toEqual({ model: { withMotion: true } });
    expect(() => parseOverride('nonsense')).toThrow(/key.path=value/);
    expect(deepMerge({ a: { b: 1, c: 2 }, d: [1] }, { a: { c: 3 }, d: [2] })).toEqual({ a: { b: 1, c: 3 }, d: [2] });
  });

  it('refuses combinations that would be silently ignored or cannot work, naming the key', async () => {
    const cases: [string[], RegExp][] = [
      [['model.variant=s3d', 'data.flowDir=flows'], /data\.flowDir.*flows are read only by a trajectorynet/],
      [['model.variant=trajectorynet', 'model.trajectorySource=groundtruth', 'data.kind=list'], /model\.trajectorySource.*needs data\.kind 'synthetic'/],
      [['model.variant=trajectorynet', 'model.trajectorySource=motionnet', 'data.frameInterval=0'], /data\.frameInterval.*need dense sampling/],
      [['model.variant=trajectorynet', 'model.trajectorySource=motionnet', 'data.frameInterval=1', 'motionnet.frames=4'], /motionnet\.frames': must be 2 \(pairwise\) or at least the 8 consecutive frames/],
      [['model.variant=trajectorynet', 'model.trajectorySource=motionnet', 'data.frameInterval=2', 'motionnet.frames=9'], /motionnet\.frames': must be 2 \(pairwise\) or at least the 15 consecutive frames/],
      [['model.variant=c2d', 'model.withMotion=true'], /model\.withMotion/],
      [['model.variant=s3d', 'model.trajectoryStages=[res3]'], /model\.trajectoryStages.*only a trajectorynet/],
      [['model.variant=trajectorynet', 'model.trajectoryStages=[res2, res2]'], /model\.trajectoryStages.*names a stage twice/],
      [['model.variant=trajectorynet', 'model.trajectoryStages=[res6]'], /model\.trajectoryStages/],
      [['data.frames=8', 'data.syntheticFrames=6'], /data\.syntheticFrames.*at least data\.frames/],
    ];
    for (const [overrides, message] of cases) {
      const error = await resolveConfig({ overrides }).catch((e) => e);
      expect(error.code, overrides.join(' ')).toBe('BAD_CONFIG');
      expect(error.message).toMatch(message);
    }
    // the motionnet presets sample consecutive frames, and MotionNet sees one frame more than the clip
    const joint = await resolveConfig({ preset: 'trajectorynet-r18-motionnet-tiny' });
    expect(joint.data.frameInterval).toBe(1);
    const { motionNetFrames } = await import('../src/config/schema.js');
    expect(motionNetFrames(joint)).toBe(joint.data.frames + 1);
    // at full size: the paper's MotionNet-(17) on 16-frame clips; other full presets keep 8 frames
    for (const preset of ['trajectorynet-r18-motionnet', 'trajectorynet-r18-motionnet-motion-imagenet']) {
      const full = await resolveConfig({ preset });
      expect([full.data.frames, motionNetFrames(full)], preset).toEqual([16, 17]);
    }
    expect((await resolveConfig({ preset: 'trajectorynet-r18' })).data.frames).toBe(8);
    // the stages reach the recognizer (and so checkpoints and web exports); absent, the backbone's default
    const { recognizerConfig } = await import('../src/index.js');
    const stages = await resolveConfig({ preset: 'trajectorynet-r18-tiny', overrides: ['model.trajectoryStages=[res2, res3, res4]'] });
    expect(recognizerConfig(stages, 8).trajectoryStages).toEqual(['res2', 'res3', 'res4']);
    expect(recognizerConfig(await resolveConfig({ preset: 'trajectorynet-r18-tiny' }), 8).trajectoryStages).toBeUndefined();
  });

  it('MotionNet on clips sampled every second frame: it loads the 15 consecutive frames an 8-frame clip spans (pairwise) or one more (a stack), and the backbone takes every second', async () => {
    const { clipPipeline, clipFrames, recognizerConfig } = await import('../src/index.js');
    const pairwise = await resolveConfig({ preset: 'trajectorynet-r18-motionnet-tiny', overrides: ['data.frames=8', 'data.frameInterval=2', 'motionnet.frames=2'] });
    expect(clipFrames(pairwise)).toBe(15);
    expect(clipPipeline(pairwise, 'train').sampling).toEqual({ kind: 'dense', clipLength: 15, interval: 1, numClips: 1 });
    expect(recognizerConfig(pairwise, 4).motionnet).toEqual({ width: pairwise.motionnet.width, frames: 2, stride: 2 });
    const stacked = await resolveConfig({ preset: 'trajectorynet-r18-motionnet-tiny', overrides: ['data.frames=8', 'data.frameInterval=2'] });
    expect(clipFrames(stacked)).toBe(16);
    // flow trajectories keep the strided sampling
    const flow = await resolveConfig({ preset: 'trajectorynet-r18-tiny', overrides: ['data.frames=8', 'data.frameInterval=2'] });
    expect(clipPipeline(flow, 'train').sampling).toEqual({ kind: 'dense', clipLength: 8, interval: 2, numClips: 1 });
  });
});

describe('data.syntheticFrames', () => {
  it('renders synthetic clips longer than the sampled clip (so dense and segment sampling differ)', async () => {
    const { loadDataset } = await import('../src/data/datasets.js');
    const config = await resolveConfig({ overrides: ['data.frames=8', 'data.syntheticFrames=20', 'data.trainClipsPerClass=1'] });
    const train = await loadDataset(config.data, 'train', 1);
    expect(train.samples.every((s) => s.frameCount === 20)).toBe(true);
    const plain = await loadDataset((await resolveConfig({ overrides: ['data.frames=6', 'data.trainClipsPerClass=1'] })).data, 'train', 1);
    expect(plain.samples[0].frameCount).toBe(6);
  });
});

describe('overrides that remove, and settings that would do nothing', () => {
  it('--set key=null removes a key of the file, so that its default applies again', async () => {
    const file = await tempFile('flows.yaml', 'preset: trajectorynet-r18-tiny\ndata:\n  flowDir: flows\n  size: 48\n');
    expect((await resolveConfig({ file })).data.flowDir).toBe('flows');
    const config = await resolveConfig({ file, overrides: ['data.flowDir=null', 'data.size=null'] });
    expect(config.data.flowDir).toBeUndefined();
    expect(config.data.size).toBe(112); // the schema's default: the preset's 64 was removed too
  });

  it('warns about a key the data kind ignores, naming it and the kind; not about one at its default', async () => {
    const warnings: string[] = [];
    const sthv1 = ['data.kind=sthv1', 'data.root=frames', 'data.trainList=train.csv', 'data.valList=val.csv', 'data.labels=labels.csv'];
    await resolveConfig({ preset: 's3d-r18-tiny', overrides: [...sthv1, 'data.trainClipsPerClass=2'] }, { warn: (m) => warnings.push(m) });
    expect(warnings).toEqual(["data.trainClipsPerClass is ignored by data.kind 'sthv1' (remove it, or --set data.trainClipsPerClass=null)"]);
    warnings.length = 0;
    await resolveConfig({ preset: 's3d-r18-tiny', overrides: [...sthv1, 'data.trainClipsPerClass=24'] }, { warn: (m) => warnings.push(m) });
    await resolveConfig({ preset: 's3d-r18-tiny', overrides: ['data.valClipsPerClass=2'] }, { warn: (m) => warnings.push(m) });
    expect(warnings).toEqual([]);
    await resolveConfig({ preset: 's3d-r18-tiny', overrides: ['data.root=videos'] }, { warn: (m) => warnings.push(m) });
    expect(warnings).toEqual(["data.root is ignored by data.kind 'synthetic' (remove it, or --set data.root=null)"]);
  });

  it('a warm-up longer than the run is a warning with both numbers', async () => {
    const config = await resolveConfig({ preset: 's3d-r18-tiny', overrides: ['train.epochs=2', 'schedule.warmupSteps=20'] });
    expect(scheduleWarnings(config, 10)).toEqual([]);
    const [warning] = scheduleWarnings(config, 3);
    expect(warning).toContain('schedule.warmupSteps (20) is longer than the run (6 steps: 2 epochs x 3)');
  });

  it('a training set smaller than a batch: the error names the set size and the batch size', async () => {
    const config = await resolveConfig({ preset: 's3d-r18-tiny', overrides: ['train.batchSize=8'] });
    const error = (() => {
      try {
        return checkTrainingSetSize(config, 6);
      } catch (e) {
        return e as TrainingError;
      }
    })() as TrainingError;
    expect(error.code).toBe('BAD_DATA');
    expect(error.message).toContain('the training set has 6 videos, fewer than train.batchSize (8)');
    expect(error.message).toContain('--set train.batchSize=6');
    expect(checkTrainingSetSize(config, 17)).toBe(2);
    const accumulating = await resolveConfig({ preset: 's3d-r18-tiny', overrides: ['train.batchSize=4', 'train.accumulate=2'] });
    expect(() => checkTrainingSetSize(accumulating, 6)).toThrow('fewer than train.batchSize (4) x train.accumulate (2) = 8');
  });
});
