// Profiles one MotionNet training step (tf.profile, kernel time by name, native or stock) on wasm + libtorch.
// env FRAMES (17), BATCH (4), SIZE (128); JOINT=1 CLIP=112: the MotionNet part of a joint training step. From apps/benchmark: node scripts/motionnet-kernel-profile.mjs
import * as tf from '@tensorflow/tfjs';
import { createMotionNet, passFlows, passLoss, runMotionNet, unsupervisedLoss } from '@trajectorynet/motionnet';
import { trajectoriesFromFlow } from '@trajectorynet/trajectory-conv';
import { initBackend } from '@trajectorynet/runtime';

const frames = Number(process.env.FRAMES ?? 17);
const batch = Number(process.env.BATCH ?? 4);
const size = Number(process.env.SIZE ?? 128);
const info = await initBackend({ prefer: 'wasm', log: null });
console.log('backend', info.backend, info.native ? info.native.library : info.nativeReason);
const model = createMotionNet({ frames, height: size, width: size, widthMultiplier: 0.25 });
const clipSize = Number(process.env.CLIP ?? size);
const joint = process.env.JOINT === '1';
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
const vars = model.trainableWeights.map((w) => w.read());
const step = () => {
  const { value, grads } = tf.variableGrads(joint ? jointLoss : () => unsupervisedLoss(model, clip, true).total, vars);
  value.dataSync();
  tf.dispose([value, ...Object.values(grads)]);
};
step();
const nativeNames = new Set(info.native?.kernels ?? []);
const t0 = performance.now();
const prof = await tf.profile(step);
const wall = performance.now() - t0;
const by = new Map();
for (const k of prof.kernels) {
  const e = by.get(k.name) ?? { ms: 0, n: 0 };
  e.ms += k.kernelTimeMs; e.n++;
  by.set(k.name, e);
}
const total = [...by.values()].reduce((a, b) => a + b.ms, 0);
console.log(`${joint ? `joint, clip ${clipSize}, ` : ''}frames ${frames} batch ${batch} ${size}x${size}: kernels ${prof.kernels.length}, kernel ms ${total.toFixed(0)}, wall ${wall.toFixed(0)} ms`);
for (const [name, e] of [...by].sort((a, b) => b[1].ms - a[1].ms)) console.log(`${name.padEnd(28)} ${nativeNames.has(name) ? 'native*' : 'stock  '} ${e.ms.toFixed(1).padStart(9)} ms ${(100 * e.ms / total).toFixed(1).padStart(5)}% ${String(e.n).padStart(5)} calls`);
