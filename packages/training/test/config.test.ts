import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
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
      [['model.variant=trajectorynet', 'model.trajectorySource=motionnet', 'data.frameInterval=0'], /data\.frameInterval.*consecutive frames/],
      [['model.variant=trajectorynet', 'model.trajectorySource=motionnet', 'data.frameInterval=1', 'motionnet.frames=4'], /motionnet\.frames.*at least data\.frames/],
      [['model.variant=c2d', 'model.withMotion=true'], /model\.withMotion/],
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
