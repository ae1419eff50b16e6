// probe (not committed): offsets of the frozen (cached) path vs the joint in-graph path, first validation batch, seed 1
import * as tf from '@tensorflow/tfjs';
import { readFile } from 'node:fs/promises';
import { trajectoriesFromFlow } from '@trajectorynet/trajectory-conv';
import * as T from '../dist/index.js';
const S = '/work/study31/accuracy/trackable';
const cfg = async (d) => JSON.parse(await readFile(`${S}/${d}/config.json`, 'utf8'));
await T.useBackend({ backend: 'auto' });
const frozenCfg = await cfg('tn-motionnet-videos-frozen-dense-seed1');
const jointCfg = await cfg('tn-motionnet-videos-slow-dense-seed1');
const batchOf = async (config) => {
  const { train, val } = await T.loadDatasets(config.data, config.train.seed);
  const flows = await T.prepareFlows(config, [train, val], { cacheRoot: '/work/study31/accuracy/.cache', quiet: true });
  console.log('flows', flows.source, flows.solves, flows.spec?.dir);
  for await (const b of T.testBatches(config, val, flows)(0, 0)) return b;
};
const fb = await batchOf(frozenCfg);
const jb = await batchOf(jointCfg);
const fi = T.recognizerInput(fb), ji = T.recognizerInput(jb);
console.log('frozen clips', fi.clips.shape, 'joint clips', ji.clips.shape, 'labels equal', JSON.stringify(await fi.labels.array()) === JSON.stringify(await ji.labels.array()));
const { recognizer } = await T.loadTrainedModel(`${S}/tn-motionnet-videos-slow-dense-seed1/latest.ckpt`);
const stride = recognizer.config.motionnet.stride;
const pre = await T.loadMotionNet('/work/study31/accuracy/trackable/motionnet-videos/latest.ckpt');
recognizer.motionNet.setWeights(pre.model.getWeights());
console.log('joint stride', stride, 'frames', recognizer.config.frames);
// backbone frames of the joint clip against the frozen clip
const jFrames = tf.gather(ji.clips, Array.from({ length: 8 }, (_, i) => i * stride), 1);
console.log('clip frames max diff', tf.max(tf.abs(tf.sub(jFrames, fi.clips))).dataSync()[0]);
const out = recognizer.forward(ji, false);
const fOff = trajectoriesFromFlow(fi.flows.forward, fi.flows.backward, { taps: 3 });
console.log('offsets shapes', out.offsets.shape, fOff.shape);
const d = tf.abs(tf.sub(out.offsets, fOff));
console.log('offsets mean |joint|', tf.mean(tf.abs(out.offsets)).dataSync()[0], 'mean |frozen|', tf.mean(tf.abs(fOff)).dataSync()[0], 'mean diff', tf.mean(d).dataSync()[0], 'max diff', tf.max(d).dataSync()[0]);

const per = (x, axis, len) => Array.from({ length: len }, (_, i) => { const a = tf.gather(x, [i], axis); return a; });
for (let tap = 0; tap < 3; tap++) {
  const a = tf.gather(out.offsets, [tap], 4), b = tf.gather(fOff, [tap], 4);
  console.log('tap', tap, 'mean|joint|', tf.mean(tf.abs(a)).dataSync()[0].toFixed(3), 'mean|frozen|', tf.mean(tf.abs(b)).dataSync()[0].toFixed(3), 'mean diff', tf.mean(tf.abs(tf.sub(a, b))).dataSync()[0].toFixed(3), 'max', tf.max(tf.abs(tf.sub(a, b))).dataSync()[0].toFixed(2));
}
for (let t = 0; t < 8; t++) {
  const a = tf.gather(out.offsets, [t], 1), b = tf.gather(fOff, [t], 1);
  console.log('t', t, 'mean|joint|', tf.mean(tf.abs(a)).dataSync()[0].toFixed(3), 'mean|frozen|', tf.mean(tf.abs(b)).dataSync()[0].toFixed(3), 'mean diff', tf.mean(tf.abs(tf.sub(a, b))).dataSync()[0].toFixed(3), 'max', tf.max(tf.abs(tf.sub(a, b))).dataSync()[0].toFixed(2));
}
