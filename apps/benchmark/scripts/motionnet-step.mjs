// The MotionNet training step the two kernel scripts time and profile. env FRAMES (17), BATCH (4), SIZE (128);
// JOINT=1 CLIP=112: the MotionNet part of a joint training step (trajectories from its flows and the auxiliary loss).
import * as tf from '@tensorflow/tfjs';
import { createMotionNet, passFlows, passLoss, runMotionNet, unsupervisedLoss } from '@trajectorynet/motionnet';
import { trajectoriesFromFlow } from '@trajectorynet/trajectory-conv';

/** The model, a random clip, and the step's loss function (call after the backend is set). */
export function motionNetStep(env = process.env) {
  const frames = Number(env.FRAMES ?? 17);
  const batch = Number(env.BATCH ?? 4);
  const size = Number(env.SIZE ?? 128);
  const clipSize = Number(env.CLIP ?? size);
  const joint = env.JOINT === '1';
  const model = createMotionNet({ frames, height: size, width: size, widthMultiplier: 0.25 });
  const clip = tf.randomUniform([batch, frames, clipSize, clipSize, 3], 0, 1, 'float32', 3);
  // joint training's MotionNet part (recognizer.ts): flows at the clip's size -> trajectories (a stand-in loss on them) + the auxiliary loss
  const jointLoss = () => {
    const pass = runMotionNet(model, clip, true);
    const { forward, backward } = passFlows(pass);
    const [n, , h, w] = forward.shape;
    const take = (f) => tf.slice(f, [0, 0, 0, 0, 0], [n, frames - 2, h, w, 2]);
    const offsets = trajectoriesFromFlow(take(forward), take(backward), { taps: 3 });
    return tf.add(tf.mean(tf.square(offsets)), passLoss(pass).total);
  };
  return { model, frames, batch, size, clipSize, joint, loss: joint ? jointLoss : () => unsupervisedLoss(model, clip, true).total };
}
