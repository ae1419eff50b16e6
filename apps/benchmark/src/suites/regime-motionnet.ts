/**
 * A pairwise MotionNet pretrained without flow labels on the regime's own
 * videos, as the paper pretrains MotionNet on the target dataset's videos
 * before joint training. Same network and budget as the procedural run the
 * study is given (64 x 64, width 0.25, batch 4, 2000 steps, Adam 1e-3 with
 * the recipe's decay scaled to 2000 steps): only the data and the loss
 * (unsupervised throughout: these videos have no flow labels) differ, and no
 * setting was tuned. The videos are a training split of a generator seed no
 * study run uses (PRETRAINING_SEED): not the study's training clips, never
 * its validation or test clips. Resumable: the run folder holds latest.ckpt.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { writeFileDurable } from '@trajectorynet/core/node';
import { LATEST, pretrainMotionNet, SYNTHETIC_REGIMES, type SyntheticRegimeName } from '@trajectorynet/training';
import { createSyntheticDataset } from '@trajectorynet/video-io';

/** The generator seed of the pretraining videos (the study's seeds are 1-8, its test split 101). */
export const PRETRAINING_SEED = 1000;

export const REGIME_MOTIONNET = {
  steps: 2000,
  frames: 2,
  height: 64,
  width: 64,
  widthMultiplier: 0.25,
  batchSize: 4,
  lr: 1e-3,
  // the procedural recipe's halvings at 48%, 70%, 85% and 95% of the steps
  lrDecay: { at: [960, 1400, 1700, 1900], factor: 0.5 },
  checkpointEvery: 100,
  seed: 1,
  /** Training videos per class of the pretraining split (8 classes). */
  clipsPerClass: 32,
};

/**
 * The checkpoint of a MotionNet pretrained on `regime`'s videos in `dir`,
 * training it first (or resuming it) when it is not finished, unless `train`
 * is false (then null). `quick` trains a few steps on a few videos (the
 * suite's smoke run).
 */
export async function regimeMotionNet(
  regime: SyntheticRegimeName,
  dir: string,
  options: { quick?: boolean; videoFrames: number; train?: boolean; log?: (line: string) => void; /** Frames per stack: 2 (default, pairwise) or a stacked MotionNet-(N)'s N. */ frames?: number },
): Promise<string | null> {
  const checkpoint = path.join(dir, LATEST);
  const done = path.join(dir, 'done');
  if (existsSync(done)) return checkpoint;
  if (options.train === false) return null;
  const { data } = SYNTHETIC_REGIMES[regime] as { data: { syntheticSpeed?: [number, number]; syntheticTurn?: [number, number]; syntheticAppearance?: 'stripes' | 'textured' } };
  const motion = data.syntheticSpeed != null && data.syntheticTurn != null ? { speed: data.syntheticSpeed, turn: data.syntheticTurn } : undefined;
  const r = REGIME_MOTIONNET;
  const videos = createSyntheticDataset({
    split: 'train',
    clipsPerClass: options.quick ? 1 : r.clipsPerClass,
    frames: options.videoFrames,
    width: r.width,
    height: r.height,
    seed: PRETRAINING_SEED,
    motion,
    appearance: data.syntheticAppearance,
  });
  const { model } = await pretrainMotionNet(videos, {
    outDir: dir,
    steps: options.quick ? 2 : r.steps,
    frames: options.frames ?? r.frames,
    height: r.height,
    width: r.width,
    widthMultiplier: r.widthMultiplier,
    batchSize: r.batchSize,
    lr: r.lr,
    lrDecay: r.lrDecay,
    supervision: 'none',
    seed: r.seed,
    checkpointEvery: options.quick ? 1 : r.checkpointEvery,
    resume: true,
    log: options.log,
    command: `accuracy suite: MotionNet${options.frames != null && options.frames !== 2 ? `-(${options.frames})` : ''} pretrained on the ${regime} regime's videos (generator seed ${PRETRAINING_SEED})`,
  });
  model.dispose();
  await writeFileDurable(done, `${new Date().toISOString()}\n`);
  return checkpoint;
}
