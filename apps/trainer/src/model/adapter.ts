/** The network a config describes, wrapped for the training loop (offsets from flows, BatchNorm modes). */
import type * as tf from '@tensorflow/tfjs';
import { BatchNorm5D, createTrajectoryNet, PRESET_STAGES, type TrajectoryNetConfig } from '@trajectorynet/resnet-s3d';
import { trajectoriesFromFlow } from '@trajectorynet/trajectory-conv';
import type { TrainConfig } from '../config/schema.js';
import { TrainerError } from '../errors.js';
import type { ClassifierAdapter } from '../train/batch.js';
import { withSeededRandom } from '../train/random.js';

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
  return config.model.variant === 'trajectorynet';
}

export function createClassifier(config: TrainConfig, numClasses: number): ClassifierAdapter {
  if (config.model.variant === 'trajectorynet' && config.model.trajectorySource === 'motionnet') {
    throw new TrainerError('BAD_CONFIG', "model.trajectorySource 'motionnet' is not available yet: @trajectorynet/motionnet is not implemented; use 'tvl1'");
  }
  const model = withSeededRandom(`${config.train.seed}:init`, () => createTrajectoryNet(networkConfig(config, numClasses)));
  const norms = model.layers.filter((l): l is BatchNorm5D => l instanceof BatchNorm5D);
  if (config.train.batchNorm === 'frozen') for (const bn of norms) bn.frozen = true;
  if (config.train.batchNorm === 'partial') for (const bn of norms.slice(1)) bn.frozen = true;
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
