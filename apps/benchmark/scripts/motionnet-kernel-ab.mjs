// One MotionNet training step (loss, gradients, Adam) with the kernels torch-kernels made native for MotionNet on and off,
// interleaved in one process (A B B A ...), medians and paired ratios. env FRAMES (17), BATCH (4), SIZE (128), ROUNDS (5); JOINT=1 CLIP=112:
// the MotionNet part of a joint training step (trajectories from its flows and the auxiliary loss). From apps/benchmark: node scripts/motionnet-kernel-ab.mjs
import * as tf from '@tensorflow/tfjs';
import { initBackend, ScheduledAdam } from '@trajectorynet/runtime';
import { motionNetStep } from './motionnet-step.mjs';

const NEW = ['Reverse', 'SplitV', 'Pow', 'Greater', 'GreaterEqual', 'Less', 'LessEqual', 'Select', 'Pack', 'Unpack', 'ResizeBilinearGrad'];
const rounds = Number(process.env.ROUNDS ?? 5);
await initBackend({ prefer: 'wasm', log: null, native: false });
const stock = Object.fromEntries(NEW.map((n) => [n, tf.getKernel(n, 'wasm').kernelFunc]));
const info = await initBackend({ prefer: 'wasm', log: null });
if (info.native == null) throw new Error(info.nativeReason);
const native = Object.fromEntries(NEW.map((n) => [n, tf.getKernel(n, 'wasm').kernelFunc]));
if (NEW.some((n) => native[n] === stock[n])) throw new Error('a new kernel is not registered');
const use = (set) => {
  for (const n of NEW) {
    tf.unregisterKernel(n, 'wasm');
    tf.registerKernel({ kernelName: n, backendName: 'wasm', kernelFunc: set[n] });
  }
};
const { frames, batch, size, clipSize, joint, loss: stepLoss } = motionNetStep();
const optimizer = new ScheduledAdam(1e-4, 0.9, 0.999, 1e-8);
const step = () => {
  const t0 = performance.now();
  const loss = optimizer.minimize(stepLoss, true);
  loss.dataSync();
  loss.dispose();
  return performance.now() - t0;
};
const times = { before: [], after: [] };
use(stock); step(); use(native); step(); // warm-up both
const tensors = tf.memory().numTensors;
for (let r = 0; r < rounds; r++) {
  for (const [name, set] of r % 2 === 0 ? [['before', stock], ['after', native]] : [['after', native], ['before', stock]]) {
    use(set);
    times[name].push(step());
  }
}
if (tf.memory().numTensors !== tensors) throw new Error(`tensors grew: ${tensors} -> ${tf.memory().numTensors}`);
const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
console.log(`${joint ? `joint-training MotionNet part, clip ${clipSize}, ` : 'pretraining, '}MotionNet frames ${frames}, batch ${batch}, ${size}x${size}, width 1/4, ${info.native.library} ${info.native.threads} threads, ${rounds} rounds`);
for (const k of ['before', 'after']) console.log(`${k}: median ${median(times[k]).toFixed(0)} ms  [${times[k].map((t) => t.toFixed(0)).join(', ')}]`);
console.log(`ratio of medians before/after (step speed-up): ${(median(times.before) / median(times.after)).toFixed(3)}; median of the ${rounds} paired ratios (same round): ${median(times.before.map((b, i) => b / times.after[i])).toFixed(3)}`);
