import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@trajectorynet/runtime';
import { createTrajectoryNet, PRESET_STAGES } from '@trajectorynet/resnet-s3d';
const native = process.argv[2] !== 'off';
const threads = Number(process.argv[3] ?? 1);
const variant = process.argv[4] ?? 's3d';
await initBackend({ prefer: 'wasm', native: native ? { threads } : false });
const model = createTrajectoryNet({ depth: 18, numClasses: 174, frames: 8, size: 112, width: 1, stages: PRESET_STAGES[variant], withMotion: false });
const clip = tf.randomNormal([2, 8, 112, 112, 3]);
const offsets = tf.randomUniform([2, 8, 112, 112, 3, 2], -3, 3);
const feed = model.inputs.length === 2 ? [clip, offsets] : [clip];
const labels = tf.oneHot(tf.tensor1d([1, 2], 'int32'), 174);
const optimizer = tf.train.adam(1e-4);
const variables = model.trainableWeights.map((w) => w.read());
const step = () => tf.tidy(() => { const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(labels, model.apply(feed, { training: true })), variables); optimizer.applyGradients(grads); value.dataSync(); });
const infer = () => tf.tidy(() => { model.predict(feed).dataSync(); });
step();
const times = []; for (let i = 0; i < 3; i++) { const t0 = performance.now(); step(); times.push(performance.now() - t0); }
const it = []; for (let i = 0; i < 3; i++) { const t0 = performance.now(); infer(); it.push(performance.now() - t0); }
console.log(JSON.stringify({ native, threads, variant, trainMs: times.map(Math.round), inferMs: it.map(Math.round), tensors: tf.memory().numTensors }));
if (process.argv[5] === 'profile') {
  const prof = await tf.profile(() => step());
  const by = new Map();
  for (const k of prof.kernels) { const e = by.get(k.name) ?? { ms: 0, n: 0 }; e.ms += k.kernelTimeMs; e.n++; by.set(k.name, e); }
  const rows = [...by].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25);
  for (const [n, e] of rows) console.log(n.padEnd(28), e.ms.toFixed(0).padStart(7), e.n);
}
