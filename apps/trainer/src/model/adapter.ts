/** The network a config describes, wrapped for the training loop (offsets from flows, BatchNorm modes). */
import * as tf from '@tensorflow/tfjs';
import { BatchNorm5D, createTrajectoryNet, PRESET_STAGES, type TrajectoryNetConfig } from '@trajectorynet/resnet-s3d';
import { createMotionNet, passFlows, passLoss, runMotionNet } from '@trajectorynet/motionnet';
import { withSeededRandom } from '@trajectorynet/runtime';
import { trajectoriesFromFlow } from '@trajectorynet/trajectory-conv';
import { IMAGENET_MEAN, IMAGENET_STD } from '@trajectorynet/video-io';
import type { TrainConfig } from '../config/schema.js';
import { TrainerError } from '../errors.js';
import type { ClassifierAdapter } from '../train/batch.js';

export function networkConfig(config: TrainConfig, numClasses: number): TrajectoryNetConfig {
  return {
    depth: config.model.depth,
    numClasses,
    frames: config.data.frames,
    size: config.data.size,
    width: config.model.width,
    stages: PRESET_STAGES[config.model.variant],
    withMotion: config.model.withMotion,
    dropout: config.model.dropout,
  };
}

/** True when the model needs TV-L1 flows with each batch. */
export function needsFlows(config: TrainConfig): boolean {
  return config.model.variant === 'trajectorynet' && config.model.trajectorySource === 'tvl1';
}

/** The clip back in 0..1 RGB (MotionNet's input) from the ImageNet-normalised clip. */
function toRgb(clips: tf.Tensor5D): tf.Tensor5D {
  return tf.add(tf.mul(clips, IMAGENET_STD), IMAGENET_MEAN) as tf.Tensor5D;
}

/** train.batchNorm: frozen fixes every BatchNorm, partial all but the first (TSN). */
function applyBatchNormMode(model: tf.LayersModel, config: TrainConfig): void {
  const norms = model.layers.filter((l): l is BatchNorm5D => l instanceof BatchNorm5D);
  if (config.train.batchNorm === 'frozen') for (const bn of norms) bn.frozen = true;
  if (config.train.batchNorm === 'partial') for (const bn of norms.slice(1)) bn.frozen = true;
}

export function createClassifier(config: TrainConfig, numClasses: number): ClassifierAdapter {
  if (config.model.variant === 'trajectorynet' && config.model.trajectorySource === 'motionnet') return createJointClassifier(config, numClasses);
  const model = withSeededRandom(`${config.train.seed}:init`, () => createTrajectoryNet(networkConfig(config, numClasses)));
  applyBatchNormMode(model, config);
  const trajectory = needsFlows(config);
  return {
    network: model,
    weights: model.weights,
    trainableVariables: () => model.trainableWeights.map((w) => w.read() as tf.Variable),
    forward(batch, training) {
      if (!trajectory) return { logits: model.apply(batch.clips, { training }) as tf.Tensor2D };
      if (batch.forwardFlows == null || batch.backwardFlows == null) throw new TrainerError('BAD_DATA', 'a trajectory model got a batch without flows');
      const offsets = trajectoriesFromFlow(batch.forwardFlows, batch.backwardFlows, { taps: 3 });
      return { logits: model.apply([batch.clips, offsets], { training }) as tf.Tensor2D };
    },
    dispose: () => model.dispose(),
  };
}

/** The input size of the joint MotionNet for clips of `size`: the next multiple of 32. */
export function motionNetSize(size: number): number {
  return Math.ceil(size / 32) * 32;
}

/**
 * TrajectoryNet with MotionNet trajectories, trained jointly: MotionNet sees
 * the clip (and the clip reversed), its flows become the trajectories, and its
 * unsupervised loss is the auxiliary loss (weighted by motionnet.lossWeight in
 * the loop). Gradients of the classification loss reach MotionNet through the
 * trajectory offsets.
 */
function createJointClassifier(config: TrainConfig, numClasses: number): ClassifierAdapter {
  const { frames, size } = config.data;
  const model = withSeededRandom(`${config.train.seed}:init`, () => createTrajectoryNet(networkConfig(config, numClasses)));
  // MotionNet needs multiples of 32: it runs at data.size rounded up (112 -> 128) and its flows come back at data.size
  const flowSize = motionNetSize(size);
  const flowNet = withSeededRandom(`${config.train.seed}:motionnet`, () => createMotionNet({ frames, height: flowSize, width: flowSize, widthMultiplier: config.motionnet.width }));
  applyBatchNormMode(model, config);
  return {
    network: model,
    flowNetwork: flowNet,
    weights: [...model.weights, ...flowNet.weights],
    trainableVariables: () => [...model.trainableWeights, ...flowNet.trainableWeights].map((w) => w.read() as tf.Variable),
    forward(batch, training) {
      const pass = runMotionNet(flowNet, toRgb(batch.clips), training);
      const { forward, backward } = passFlows(pass);
      const offsets = trajectoriesFromFlow(forward, backward, { taps: 3 });
      const logits = model.apply([batch.clips, offsets], { training }) as tf.Tensor2D;
      return { logits, auxLoss: training ? passLoss(pass).total : undefined };
    },
    dispose: () => {
      model.dispose();
      flowNet.dispose();
    },
  };
}
