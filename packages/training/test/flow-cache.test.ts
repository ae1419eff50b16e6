/**
 * Flow caches and flow folders hold what their key says: predict keys a
 * video's flows by its full path (not its base name) and quantises them as
 * the model saw them in training; training refuses extract-flow folders made
 * at a smaller size or with another JPEG bound than its config.
 */
import { mkdir, mkdtemp, readdir, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { extractVideos, readFlowRecord } from '@trajectorynet/tvl1-flow';
import { describe, expect, it } from 'vitest';
import { extractionJobs, flowCacheDir, loadDatasets, loadTrainedModel, predictFromCheckpoint, predictVideo, prepareFlows, resolveConfig, runTraining } from '../src/index.js';

const DATA = process.env.TRAJECTORYNET_DATA ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../shared/data');
const SMALL = ['data.size=32', 'data.frames=4', 'model.width=0.0625', 'data.trainClipsPerClass=1', 'data.valClipsPerClass=1', 'train.batchSize=4', 'schedule.warmupSteps=1'];
const tempDir = (name: string) => mkdtemp(path.join(tmpdir(), `tjn-${name}-`));
const quiet = { quiet: true, log: () => {} };

describe('flow caches keyed by what determines their content', { timeout: 600_000 }, () => {
  it('predict: two videos of one name in different folders get their own flows; a model trained on JPEG flows gets JPEG flows', async () => {
    const dir = await tempDir('predict');
    const config = await resolveConfig({ preset: 'trajectorynet-r18-tiny', overrides: [...SMALL, 'train.epochs=1'] });
    const run = path.join(dir, 'run');
    await runTraining(config, { outDir: run, cacheDir: path.join(dir, 'train-cache'), ...quiet });
    const checkpoint = path.join(run, 'best.ckpt');
    for (const [folder, video] of [
      ['a', 'part_0.mp4'],
      ['b', 'test.avi'],
    ]) {
      await mkdir(path.join(dir, folder));
      await symlink(path.join(DATA, 'videos', video), path.join(dir, folder, 'clip.mp4'));
    }
    const cacheDir = path.join(dir, 'cache');
    const a = await predictFromCheckpoint(checkpoint, path.join(dir, 'a/clip.mp4'), { cacheDir });
    const b = await predictFromCheckpoint(checkpoint, path.join(dir, 'b/clip.mp4'), { cacheDir });
    const bAlone = await predictFromCheckpoint(checkpoint, path.join(dir, 'b/clip.mp4'), { cacheDir: path.join(dir, 'fresh-cache') });
    expect(Array.from(bAlone.probabilities)).not.toEqual(Array.from(a.probabilities)); // the two videos do score differently
    expect(Array.from(b.probabilities)).toEqual(Array.from(bAlone.probabilities));

    // the same model as if trained on extract-flow's JPEGs (data.flowDir, bound 12): predict quantises the same way
    const { recognizer, meta } = await loadTrainedModel(checkpoint);
    try {
      const jpegMeta = { ...meta, config: { ...meta.config, data: { ...meta.config.data, flowDir: path.join(dir, 'flows'), flowBound: 12 } } };
      const jpegCache = path.join(dir, 'jpeg-cache');
      await predictVideo(recognizer, jpegMeta, path.join(dir, 'b/clip.mp4'), { cacheDir: jpegCache, kind: 'video', quiet: true });
      const root = flowCacheDir(jpegCache, jpegMeta.config, 12);
      const [hash] = await readdir(path.join(root, 'predict'));
      const folder = path.join(root, 'predict', hash, 'clip');
      expect((await readdir(folder)).filter((n) => n.startsWith('x_')).length).toBeGreaterThan(0);
      expect(await readFlowRecord(folder)).toMatchObject({ format: 'jpg', bound: 12 });
    } finally {
      recognizer.dispose();
    }
  });

  it('training refuses extract-flow folders made smaller than it decodes, or quantised with another bound, naming the folder', async () => {
    const dir = await tempDir('sizes');
    const list = path.join(dir, 'list.txt');
    await writeFile(list, `${DATA}/videos/part_0.mp4 0\n`);
    const flowDir = path.join(dir, 'flows');
    const data = ['data.kind=list', `data.trainList=${list}`, `data.valList=${list}`, `data.flowDir=${flowDir}`, 'data.frameInterval=1'];
    const small = await resolveConfig({ preset: 'trajectorynet-r18-tiny', overrides: [...SMALL, ...data] });
    const { train, val } = await loadDatasets(small.data, 0);
    // as `extract-flow --config` does: each video at the size training decodes it (shorter side 37 for size 32)
    const extracted = await extractVideos(await extractionJobs(small, [train, val], flowDir), { workers: 2 });
    expect(extracted.failed).toEqual([]);
    await expect(prepareFlows(small, [train, val], { cacheRoot: dir })).resolves.toMatchObject({ source: 'precomputed' });

    const larger = await resolveConfig({ preset: 'trajectorynet-r18-tiny', overrides: [...SMALL, ...data, 'data.size=64'] });
    await expect(prepareFlows(larger, [train, val], { cacheRoot: dir })).rejects.toMatchObject({
      code: 'BAD_DATA',
      message: expect.stringMatching(/videos\/part_0: flows computed at 49x37, smaller than training decodes this video \(shorter side 73\)/),
    });
    const otherBound = await resolveConfig({ preset: 'trajectorynet-r18-tiny', overrides: [...SMALL, ...data, 'data.flowBound=15'] });
    await expect(prepareFlows(otherBound, [train, val], { cacheRoot: dir })).rejects.toThrow(/videos\/part_0: flows quantised with bound 20, but data.flowBound is 15/);
  });
});
