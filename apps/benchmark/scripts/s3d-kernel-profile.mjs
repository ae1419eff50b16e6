// Profiles one S3D ResNet-18 training step (loss, gradients, the loop's Adam) with tf.profile: kernel time and
// calls by name (native or stock), the wall time of the step and the JS time outside kernels.
// env BATCH (2), FRAMES (8), SIZE (112), WIDTH (1), SHAPES=1 (the top conv calls by shape).
// From apps/benchmark after building: node scripts/s3d-kernel-profile.mjs (TRAJECTORYNET_NATIVE=0 for stock wasm)
import * as tf from '@tensorflow/tfjs';
import { createTrajectoryNet, PRESET_STAGES } from '@trajectorynet/resnet-s3d';
import { initBackend, ScheduledAdam } from '@trajectorynet/runtime';

const env = (name, fallback) => Number(process.env[name] ?? fallback);
const [batch, frames, size, width] = [env('BATCH', 2), env('FRAMES', 8), env('SIZE', 112), env('WIDTH', 1)];
const info = await initBackend({ prefer: 'wasm', log: null });
console.log('backend', info.backend, info.native ? `${info.native.library}, ${info.native.threads} threads` : info.nativeReason);
const model = createTrajectoryNet({ depth: 18, numClasses: 174, frames, size, width, stages: PRESET_STAGES.s3d });
const clip = tf.randomNormal([batch, frames, size, size, 3]);
const labels = tf.oneHot(tf.tensor1d(Array.from({ length: batch }, (_, i) => i + 1), 'int32'), 174);
const optimizer = new ScheduledAdam(1e-4, 0.9, 0.999, 1e-8);
const variables = model.trainableWeights.map((w) => w.read());
const step = () =>
  tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(labels, model.apply([clip], { training: true })), variables);
    optimizer.applyAdjusted(grads, { scale: null, decayOf: () => 0 });
    value.dataSync();
  });
step();
step();
const walls = [];
for (let i = 0; i < env('STEPS', 3); i++) {
  const t0 = performance.now();
  step();
  walls.push(performance.now() - t0);
}
walls.sort((a, b) => a - b);
const nativeNames = new Set(info.native?.kernels ?? []);
const t0 = performance.now();
const prof = await tf.profile(step);
const wall = performance.now() - t0;
const by = new Map();
const shapes = new Map();
for (const k of prof.kernels) {
  const e = by.get(k.name) ?? { ms: 0, n: 0 };
  e.ms += k.kernelTimeMs;
  e.n++;
  by.set(k.name, e);
  if (process.env.SHAPES === '1' && /Conv|MatMul|BatchNorm/.test(k.name)) {
    const key = `${k.name} ${k.inputShapes.map((s) => `[${s}]`).join(' ')} -> ${k.outputShapes.map((s) => `[${s}]`).join(' ')}`;
    const s = shapes.get(key) ?? { ms: 0, n: 0 };
    s.ms += k.kernelTimeMs;
    s.n++;
    shapes.set(key, s);
  }
}
const total = [...by.values()].reduce((a, b) => a + b.ms, 0);
console.log(`S3D ResNet-18 ${frames}x${size}x${size} width ${width} batch ${batch}: steps (no profiler) ${walls.map((w) => w.toFixed(0)).join(' ')} ms; profiled: kernels ${prof.kernels.length}, kernel ms ${total.toFixed(0)}, wall ${wall.toFixed(0)} ms`);
for (const [name, e] of [...by].sort((a, b) => b[1].ms - a[1].ms)) {
  console.log(`${name.padEnd(28)} ${nativeNames.has(name) ? 'native*' : 'stock  '} ${e.ms.toFixed(1).padStart(9)} ms ${((100 * e.ms) / total).toFixed(1).padStart(5)}% ${String(e.n).padStart(5)} calls`);
}
if (shapes.size > 0) {
  console.log('\nby shape:');
  for (const [key, s] of [...shapes].sort((a, b) => b[1].ms - a[1].ms).slice(0, 40)) console.log(`${s.ms.toFixed(1).padStart(8)} ms ${String(s.n).padStart(4)}x  ${key}`);
}
