// Profiles one MotionNet training step (tf.profile, kernel time by name, native or stock) on wasm + libtorch.
// env FRAMES (17), BATCH (4), SIZE (128); JOINT=1 CLIP=112: the MotionNet part of a joint training step. From apps/benchmark: node scripts/motionnet-kernel-profile.mjs
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@trajectorynet/runtime';
import { motionNetStep } from './motionnet-step.mjs';

const info = await initBackend({ prefer: 'wasm', log: null });
console.log('backend', info.backend, info.native ? info.native.library : info.nativeReason);
const { model, frames, batch, size, clipSize, joint, loss } = motionNetStep();
const vars = model.trainableWeights.map((w) => w.read());
const step = () => {
  const { value, grads } = tf.variableGrads(loss, vars);
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
