/**
 * A recognizer (mmaction2's term): clips in, class logits out. It owns the
 * backbone and, for a TrajectoryNet, where the trajectories come from: flows
 * given with the clip (TV-L1, precomputed or ground truth) turned into
 * trajectories, or MotionNet run on the clip and trained jointly, whose
 * unsupervised loss is returned as an auxiliary loss.
 */
import * as tf from '@tensorflow/tfjs';
import { createMotionNet, passFlows, passLoss, runMotionNet } from '@trajectorynet/motionnet';
import { BatchNorm5D, createTrajectoryNet, type FoldReport, foldBatchNorm } from '@trajectorynet/resnet-s3d';
import { withSeededRandom } from '@trajectorynet/runtime';
import { trajectoriesFromFlow } from '@trajectorynet/trajectory-conv';
import { backboneConfig, checkRecognizerConfig, motionNetSpan, type RecognizerConfig, recognizerInputs } from './config.js';
import { RecognizerError } from './errors.js';

export interface RecognizerInput {
  /** [N, T', H, W, 3], normalised with the config's mean and std (T' = recognizerInputs(config).clipFrames: consecutive frames for MotionNet trajectories, else T). */
  clips: tf.Tensor5D;
  /** Flow trajectories: forward [N, T-1, H, W, 2] (frame t -> t+1) and backward [N, T-1, H, W, 2] (frame t+1 -> t), in pixels of the clip. */
  flows?: { forward: tf.Tensor; backward: tf.Tensor };
}

export interface RecognizerOutput {
  /** [N, classes]. */
  logits: tf.Tensor2D;
  /** MotionNet's unsupervised loss when training jointly (a scalar). */
  auxLoss?: tf.Scalar;
  /**
   * TrajectoryNet only: where each temporal tap of the trajectory convolutions samples, in pixels of
   * the clip, [N, T, H, W, 3, 2] (x, y) for taps t-1, t, t+1: from the flows given, or MotionNet's.
   */
  offsets?: tf.Tensor;
}

export interface Recognizer {
  readonly config: RecognizerConfig;
  /** Every weight to checkpoint (trainable and not: BatchNorm statistics too), backbone then MotionNet. */
  readonly weights: readonly tf.LayerVariable[];
  /** The variables an optimiser updates, in a fixed order. */
  trainableVariables(): tf.Variable[];
  forward(input: RecognizerInput, training: boolean): RecognizerOutput;
  /** The backbone (a tfjs LayersModel: save it, inflate ImageNet weights into it). */
  readonly backbone: tf.LayersModel;
  /** MotionNet, when it gives the trajectories. */
  readonly motionNet?: tf.LayersModel;
  dispose(): void;
}

/** The input size of a joint MotionNet for clips of `size`: the next multiple of 32 (MotionNet's five poolings). */
export function motionNetSize(size: number): number {
  return Math.ceil(size / 32) * 32;
}

/** batchNorm frozen fixes every BatchNorm, partial all but the first (TSN). */
function applyBatchNormMode(model: tf.LayersModel, mode: RecognizerConfig['batchNorm']): void {
  const norms = model.layers.filter((l): l is BatchNorm5D => l instanceof BatchNorm5D);
  if (mode === 'frozen') for (const bn of norms) bn.frozen = true;
  if (mode === 'partial') for (const bn of norms.slice(1)) bn.frozen = true;
}

/**
 * Builds the recognizer a config describes. Initial weights follow `seed`
 * (backbone and MotionNet from separate streams, so adding MotionNet does not
 * change the backbone's start).
 */
export function createRecognizer(config: RecognizerConfig, seed = 1): Recognizer {
  checkRecognizerConfig(config);
  const backbone = withSeededRandom([seed, 'backbone'], () => createTrajectoryNet(backboneConfig(config)));
  applyBatchNormMode(backbone, config.batchNorm);
  const joint = config.variant === 'trajectorynet' && config.trajectories === 'motionnet';
  const motionNet = joint
    ? withSeededRandom([seed, 'motionnet'], () => {
        const side = motionNetSize(config.size);
        return createMotionNet({ frames: config.motionnet.frames, height: side, width: side, widthMultiplier: config.motionnet.width });
      })
    : undefined;
  return recognizerFromModels(config, { backbone, motionNet });
}

/**
 * A recognizer around models built elsewhere: a backbone (and, for MotionNet
 * trajectories, a MotionNet) loaded with `tf.loadLayersModel`, e.g. in a web
 * page from what `trajectorynet export-web` wrote. The recognizer owns them
 * (its `dispose` disposes them).
 */
export function recognizerFromModels(config: RecognizerConfig, models: { backbone: tf.LayersModel; motionNet?: tf.LayersModel }): Recognizer {
  checkRecognizerConfig(config);
  const { backbone, motionNet } = models;
  const trajectory = config.variant === 'trajectorynet';
  const joint = trajectory && config.trajectories === 'motionnet';
  if (joint !== (motionNet != null)) {
    throw new RecognizerError('BAD_ARGUMENT', joint ? 'MotionNet trajectories need a MotionNet model' : 'a MotionNet model was given but the config takes no MotionNet trajectories', { path: 'trajectories' });
  }
  const all = motionNet != null ? [backbone, motionNet] : [backbone];
  const [mean, std] = [tf.tensor1d(config.inputMean), tf.tensor1d(config.inputStd)];
  const t = config.frames;

  const stride = config.motionnet.stride ?? 1;
  const span = motionNetSpan(config);
  // the backbone's frames among MotionNet's consecutive ones
  const backboneFrames = tf.tensor1d(
    Array.from({ length: t }, (_, i) => i * stride),
    'int32',
  );

  /** Consecutive flows of the whole clip, forward and backward [N, F - 1, H, W, 2], and the pass for the loss. */
  const motionNetFlows = (clip: tf.Tensor5D, training: boolean) => {
    const [n, f, h, w, c] = clip.shape;
    if (config.motionnet.frames !== 2) {
      const pass = runMotionNet(motionNet as tf.LayersModel, clip, training);
      return { ...passFlows(pass), pass };
    }
    // a pairwise network: each consecutive pair a sample of its own
    const pairIndices = tf.tensor1d(
      Array.from({ length: 2 * (f - 1) }, (_, i) => (i >> 1) + (i & 1)),
      'int32',
    );
    const pairs = tf.reshape(tf.gather(clip, pairIndices, 1), [n * (f - 1), 2, h, w, c]) as tf.Tensor5D;
    pairIndices.dispose();
    const pass = runMotionNet(motionNet as tf.LayersModel, pairs, training);
    const flows = passFlows(pass);
    const perClip = (x: tf.Tensor) => tf.reshape(x, [n, f - 1, h, w, 2]);
    return { forward: perClip(flows.forward), backward: perClip(flows.backward), pass };
  };

  const trajectories = (input: RecognizerInput, training: boolean): { offsets: tf.Tensor; auxLoss?: tf.Scalar } => {
    if (motionNet == null) {
      if (input.flows == null) throw new RecognizerError('BAD_INPUT', 'a TrajectoryNet with flow trajectories needs flows with each clip', { path: 'flows' });
      return { offsets: trajectoriesFromFlow(input.flows.forward, input.flows.backward, { taps: 3 }) };
    }
    // MotionNet sees RGB in 0..1: undo the clip's normalisation
    const rgb = tf.add(tf.mul(input.clips, std), mean) as tf.Tensor5D;
    const { forward, backward, pass } = motionNetFlows(rgb, training);
    const [n, , h, w] = forward.shape;
    // the flows between the backbone's first and last frame, chained over `stride` pairs; offsets kept at the backbone's frames
    const take = (f: tf.Tensor) => tf.slice(f, [0, 0, 0, 0, 0], [n, span - 1, h, w, 2]);
    const dense = trajectoriesFromFlow(take(forward), take(backward), { taps: 3, dilation: stride });
    const offsets = stride === 1 ? dense : tf.gather(dense, backboneFrames, 1);
    return { offsets, auxLoss: training ? passLoss(pass).total : undefined };
  };

  const recognizer: Recognizer = {
    config,
    backbone,
    motionNet,
    weights: all.flatMap((m) => m.weights),
    trainableVariables: () => all.flatMap((m) => m.trainableWeights).map((w) => w.read() as tf.Variable),
    forward(input, training) {
      const expectedFrames = recognizerInputs(config).clipFrames;
      if (input.clips.rank !== 5 || input.clips.shape[1] !== expectedFrames) {
        throw new RecognizerError('BAD_INPUT', `clips must be [N, ${expectedFrames}, H, W, 3], got [${input.clips.shape}]`, { path: 'clips' });
      }
      if (!trajectory) return { logits: backbone.apply(input.clips, { training }) as tf.Tensor2D };
      const { offsets, auxLoss } = trajectories(input, training);
      const clips = joint ? (tf.gather(input.clips, backboneFrames, 1) as tf.Tensor5D) : input.clips;
      return { logits: backbone.apply([clips, offsets], { training }) as tf.Tensor2D, auxLoss, offsets };
    },
    dispose() {
      for (const m of all) m.dispose();
      tf.dispose([mean, std, backboneFrames]);
    },
  };
  ownTensors.set(recognizer, [mean, std, backboneFrames]);
  return recognizer;
}

/** The tensors a recognizer made itself (not its models'): what `foldRecognizer` releases of the one it replaces. */
const ownTensors = new WeakMap<Recognizer, tf.Tensor[]>();

/**
 * The recognizer for inference: its backbone with every BatchNorm folded into
 * the conv before it and the ReLUs after fused in (`foldBatchNorm` of
 * @trajectorynet/resnet-s3d); the same logits as `forward(input, false)` of
 * the given one within float32 rounding, in fewer kernels. The given
 * recognizer is consumed: its backbone is disposed and its MotionNet (kept as
 * it is) moves to the new one. `forward(input, true)` of the new one throws:
 * there is no BatchNorm left to train.
 */
export async function foldRecognizer(recognizer: Recognizer): Promise<{ recognizer: Recognizer; report: FoldReport }> {
  const { model: backbone, report } = await foldBatchNorm(recognizer.backbone);
  recognizer.backbone.dispose();
  tf.dispose(ownTensors.get(recognizer) ?? []);
  ownTensors.delete(recognizer);
  const folded = recognizerFromModels(recognizer.config, { backbone, motionNet: recognizer.motionNet });
  const forward = folded.forward.bind(folded);
  folded.forward = (input, training) => {
    if (training) throw new RecognizerError('BAD_ARGUMENT', 'a folded recognizer runs inference only (its BatchNorms are folded into the convs)', { path: 'training' });
    return forward(input, false);
  };
  return { recognizer: folded, report };
}
