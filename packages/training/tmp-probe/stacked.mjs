// probe (not committed): the stacked model at 0x lr (seed 1) with its trajectories swapped; offsets against the oracle's
import * as tf from '@tensorflow/tfjs';
import { readFile } from 'node:fs/promises';
import { trajectoriesFromFlow } from '@trajectorynet/trajectory-conv';
import * as T from '../dist/index.js';
const S = '/work/study31/accuracy/trackable';
const cfg = async (d) => JSON.parse(await readFile(`${S}/${d}/config.json`, 'utf8'));
await T.useBackend({ backend: 'auto' });
const batches = async (config) => {
  const { train, val } = await T.loadDatasets(config.data, config.train.seed);
  const flows = await T.prepareFlows(config, [train, val], { cacheRoot: '/work/study31/accuracy/.cache', quiet: true });
  return T.testBatches(config, val, flows)(0, 0)[Symbol.asyncIterator]();
};
const X = (await T.loadTrainedModel(`${S}/tn-motionnet-stacked-fixed-dense-seed1/latest.ckpt`)).recognizer;
const Jst = (await T.loadTrainedModel(`${S}/tn-motionnet-stacked-dense-seed1/latest.ckpt`)).recognizer;
const P = (await T.loadTrainedModel(`${S}/tn-motionnet-videos-slow-dense-seed1/latest.ckpt`)).recognizer;
P.motionNet.setWeights((await T.loadMotionNet(`${S}/motionnet-videos/latest.ckpt`)).model.getWeights());
const O = (await T.loadTrainedModel(`${S}/tn-true-dense-seed1/latest.ckpt`)).recognizer;
const its = {
  x: await batches(await cfg('tn-motionnet-stacked-fixed-dense-seed1')),
  p: await batches(await cfg('tn-motionnet-videos-slow-dense-seed1')),
  o: await batches(await cfg('tn-true-dense-seed1')),
  f: await batches(await cfg('tn-motionnet-videos-frozen-dense-seed1')),
};
const correct = {}, err = {}; let total = 0, nb = 0;
const add = (k, logits, labels) => { correct[k] = (correct[k] ?? 0) + tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), labels), 'int32')).dataSync()[0]; };
const gap = (k, a, b, mask) => { // mean end-point distance over pixels where the oracle moves (per tap)
  const d = tf.sqrt(tf.sum(tf.square(tf.sub(a, b)), -1)); // [N,T,H,W,K]
  err[k] = (err[k] ?? 0) + tf.div(tf.sum(tf.mul(d, mask)), tf.sum(mask)).dataSync()[0];
};
for (;;) {
  const b = {};
  for (const [k, it] of Object.entries(its)) b[k] = await it.next();
  if (Object.values(b).some((r) => r.done)) break;
  tf.tidy(() => {
    const xi = T.recognizerInput(b.x.value), pi = T.recognizerInput(b.p.value), oi = T.recognizerInput(b.o.value), fi = T.recognizerInput(b.f.value);
    const clips = oi.clips;
    const xOff = X.forward(xi, false).offsets, jOff = Jst.forward(xi, false).offsets, pOff = P.forward(pi, false).offsets;
    const oOff = trajectoriesFromFlow(oi.flows.forward, oi.flows.backward, { taps: 3 });
    const cached = trajectoriesFromFlow(fi.flows.forward, fi.flows.backward, { taps: 3 });
    const mask = tf.cast(tf.greater(tf.sqrt(tf.sum(tf.square(oOff), -1)), 0.5), 'float32');
    add('X own (MotionNet-(16) pretrained, 0x)', X.forward(xi, false).logits, oi.labels);
    add('X + oracle offsets', X.backbone.apply([clips, oOff], { training: false }), oi.labels);
    add('X + pairwise MotionNet in-graph', X.backbone.apply([clips, pOff], { training: false }), oi.labels);
    add('X + zero offsets', X.backbone.apply([clips, tf.zerosLike(oOff)], { training: false }), oi.labels);
    add('Jst own (joint 0.1x)', Jst.forward(xi, false).logits, oi.labels);
    add('O own (oracle)', O.forward(oi, false).logits, oi.labels);
    add('O + stacked offsets', O.backbone.apply([clips, xOff], { training: false }), oi.labels);
    gap('stacked pretrained vs oracle', xOff, oOff, mask);
    gap('stacked joint vs oracle', jOff, oOff, mask);
    gap('pairwise in-graph vs oracle', pOff, oOff, mask);
    gap('pairwise cached vs oracle', cached, oOff, mask);
    gap('zero vs oracle', tf.zerosLike(oOff), oOff, mask);
    total += oi.labels.shape[0]; nb++;
  });
}
for (const [k, v] of Object.entries(correct)) console.log(`${k}: ${(100 * v / total).toFixed(1)}% of ${total}`);
for (const [k, v] of Object.entries(err)) console.log(`offset error ${k}: ${(v / nb).toFixed(3)} px (moving pixels, all taps)`);
