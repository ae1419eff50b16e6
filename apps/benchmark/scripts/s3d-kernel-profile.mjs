// Profiles one S3D ResNet-18 training step (loss, gradients, the loop's Adam) with tf.profile: kernel time and
// calls by name (native or stock), the wall time of the step and the JS time outside kernels.
// Per step also the process's CPU time (user + system) and minor page faults: CPU time is the figure that holds
// up on a loaded machine, where wall time mostly measures waiting for a core.
// env BATCH (2), FRAMES (8), SIZE (112), WIDTH (1), SHAPES=1 (the top conv calls by shape), STEPS (3);
// CACHING=off,on: one pass per entry in the same process, with the native kernels' caching allocator off or on
// (default: on only); INFER=1: inference of the BatchNorm-folded model instead of a training step; MODEL=trajectorynet:
// TrajectoryNet (trajectory convs in res3 and res4, random offsets of up to 3 px) instead of S3D.
// From apps/benchmark after building: node scripts/s3d-kernel-profile.mjs (TRAJECTORYNET_NATIVE=0 for stock wasm)
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { createTrajectoryNet, foldBatchNorm, PRESET_STAGES } from '@trajectorynet/resnet-s3d';
import { initBackend, ScheduledAdam } from '@trajectorynet/runtime';

const env = (name, fallback) => Number(process.env[name] ?? fallback);
const [batch, frames, size, width] = [env('BATCH', 2), env('FRAMES', 8), env('SIZE', 112), env('WIDTH', 1)];
const info = await initBackend({ prefer: 'wasm', log: null });
console.log('backend', info.backend, info.native ? `${info.native.library}, ${info.native.threads} threads` : info.nativeReason);
const variant = process.env.MODEL ?? 's3d';
if (!['s3d', 'trajectorynet'].includes(variant)) throw new Error(`MODEL must be s3d or trajectorynet, got ${variant}`);
const model = createTrajectoryNet({ depth: 18, numClasses: 174, frames, size, width, stages: PRESET_STAGES[variant] });
const clip = tf.randomNormal([batch, frames, size, size, 3]);
// as the model suite: one trajectory input of 3 taps' offsets per pixel
const offsets = tf.randomUniform([batch, frames, size, size, 3, 2], -3, 3);
const feed = model.inputs.length === 2 ? [clip, offsets] : [clip];
const labels = tf.oneHot(tf.tensor1d(Array.from({ length: batch }, (_, i) => i + 1), 'int32'), 174);
const optimizer = new ScheduledAdam(1e-4, 0.9, 0.999, 1e-8);
const variables = model.trainableWeights.map((w) => w.read());
const folded = process.env.INFER === '1' ? (await foldBatchNorm(model)).model : null;
const train = () =>
  tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(labels, model.apply(feed, { training: true })), variables);
    optimizer.applyAdjusted(grads, { scale: null, decayOf: () => 0 });
    value.dataSync();
  });
const step = folded ? () => tf.tidy(() => void folded.predict(feed).dataSync()) : train;
// the caching allocator's switch (@trajectorynet/torch-kernels, a dependency of the runtime)
const kernels = info.native
  ? await import(pathToFileURL(createRequire(import.meta.resolve('@trajectorynet/runtime')).resolve('@trajectorynet/torch-kernels')).href)
  : null;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const nativeNames = new Set(info.native?.kernels ?? []);
for (const mode of (process.env.CACHING ?? 'on').split(',')) {
  if (kernels) kernels.setTorchAllocatorCaching(mode !== 'off');
  report(kernels ? mode : 'n/a', await pass());
}

async function pass() {
  step();
  step();
  const walls = [];
  const cpus = [];
  const faults = [];
  for (let i = 0; i < env('STEPS', 3); i++) {
    const r0 = process.resourceUsage();
    const t0 = performance.now();
    step();
    walls.push(performance.now() - t0);
    const r1 = process.resourceUsage();
    cpus.push((r1.userCPUTime + r1.systemCPUTime - r0.userCPUTime - r0.systemCPUTime) / 1000);
    faults.push(r1.minorPageFault - r0.minorPageFault);
  }
  const t0 = performance.now();
  const prof = await tf.profile(step);
  const wall = performance.now() - t0;
  // tf.profile hands back the engine's one profile object, which the next profile overwrites: summarise it now
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
  const stats = kernels?.torchAllocatorStats() ?? null;
  return { walls, cpu: median(cpus), faults: median(faults), count: prof.kernels.length, by, shapes, wall, stats };
}

function report(mode, { walls, cpu, faults, count, by, shapes, wall, stats }) {
  const total = [...by.values()].reduce((a, b) => a + b.ms, 0);
  console.log(
    `\n${variant === 's3d' ? 'S3D' : 'TrajectoryNet'} ResNet-18 ${folded ? 'inference (folded)' : 'training'} ${frames}x${size}x${size} width ${width} batch ${batch}, caching allocator ${mode}: steps (no profiler) wall ${walls.map((w) => w.toFixed(0)).join(' ')} ms, ` +
      `median CPU time ${cpu.toFixed(0)} ms, median minor page faults ${faults}; profiled: kernels ${count}, kernel ms ${total.toFixed(0)}, wall ${wall.toFixed(0)} ms` +
      (stats ? `; allocator hits ${stats.hits}, misses ${stats.misses}, cached ${(stats.cachedBytes / 2 ** 20).toFixed(0)} MiB` : ''),
  );
  for (const [name, e] of [...by].sort((a, b) => b[1].ms - a[1].ms)) {
    console.log(`${name.padEnd(28)} ${nativeNames.has(name) ? 'native*' : 'stock  '} ${e.ms.toFixed(1).padStart(9)} ms ${((100 * e.ms) / total).toFixed(1).padStart(5)}% ${String(e.n).padStart(5)} calls`);
  }
  if (shapes.size > 0) {
    console.log('\nby shape:');
    for (const [key, s] of [...shapes].sort((a, b) => b[1].ms - a[1].ms).slice(0, 40)) console.log(`${s.ms.toFixed(1).padStart(8)} ms ${String(s.n).padStart(4)}x  ${key}`);
  }
}
