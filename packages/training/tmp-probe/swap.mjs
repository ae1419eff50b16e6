// probe (not committed): validation top-1 of trained models with their trajectories swapped, seed 1
import * as tf from '@tensorflow/tfjs';
import { readFile } from 'node:fs/promises';
import { trajectoriesFromFlow } from '@trajectorynet/trajectory-conv';
import * as T from '../dist/index.js';
const S = '/work/study31/accuracy/trackable';
const cfg = async (d) => JSON.parse(await readFile(`${S}/${d}/config.json`, 'utf8'));
await T.useBackend({ backend: 'auto' });
const frozenCfg = await cfg('tn-motionnet-videos-frozen-dense-seed1');
const jointCfg = await cfg('tn-motionnet-videos-slow-dense-seed1');
const batches = async (config) => {
  const { train, val } = await T.loadDatasets(config.data, config.train.seed);
  const flows = await T.prepareFlows(config, [train, val], { cacheRoot: '/work/study31/accuracy/.cache', quiet: true });
  return T.testBatches(config, val, flows)(0, 0)[Symbol.asyncIterator]();
};
const J = (await T.loadTrainedModel(`${S}/tn-motionnet-videos-slow-dense-seed1/latest.ckpt`)).recognizer;
const F = (await T.loadTrainedModel(`${S}/tn-motionnet-videos-frozen-dense-seed1/latest.ckpt`)).recognizer;
const P = (await T.loadTrainedModel(`${S}/tn-motionnet-videos-slow-dense-seed1/latest.ckpt`)).recognizer; // its MotionNet set to the pretrained one
const pre = await T.loadMotionNet(`${S}/motionnet-videos/latest.ckpt`);
P.motionNet.setWeights(pre.model.getWeights());
const fIt = await batches(frozenCfg), jIt = await batches(jointCfg);
const stride = 2;
const correct = {}; let total = 0;
const add = (k, logits, labels) => { correct[k] = (correct[k] ?? 0) + tf.tidy(() => tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), labels), 'int32')).dataSync()[0]); };
for (;;) {
  const [fb, jb] = [await fIt.next(), await jIt.next()];
  if (fb.done || jb.done) break;
  tf.tidy(() => {
    const fi = T.recognizerInput(fb.value), ji = T.recognizerInput(jb.value);
    const cached = trajectoriesFromFlow(fi.flows.forward, fi.flows.backward, { taps: 3 });
    const jOwn = J.forward(ji, false);
    const pOwn = P.forward(ji, false).offsets; // pretrained MotionNet in-graph (true backward flows)
    const zero = tf.zerosLike(cached);
    // hybrid: cached forward tap, in-graph backward tap
    const hybrid = tf.concat([tf.slice(pOwn, [0, 0, 0, 0, 0, 0], [-1, -1, -1, -1, 1, -1]), tf.slice(cached, [0, 0, 0, 0, 1, 0], [-1, -1, -1, -1, 2, -1])], 4);
    add('J own (joint 0.1x MotionNet)', jOwn.logits, fi.labels);
    add('J + pretrained MotionNet in-graph', J.backbone.apply([fi.clips, pOwn], { training: false }), fi.labels);
    add('J + cached (inverted backward)', J.backbone.apply([fi.clips, cached], { training: false }), fi.labels);
    add('J + zero offsets', J.backbone.apply([fi.clips, zero], { training: false }), fi.labels);
    add('F own (cached)', F.forward(fi, false).logits, fi.labels);
    add('F + pretrained MotionNet in-graph', F.backbone.apply([fi.clips, pOwn], { training: false }), fi.labels);
    add('F + hybrid (in-graph backward tap)', F.backbone.apply([fi.clips, hybrid], { training: false }), fi.labels);
    add('F + zero offsets', F.backbone.apply([fi.clips, zero], { training: false }), fi.labels);
    total += fi.labels.shape[0];
  });
}
for (const [k, v] of Object.entries(correct)) console.log(`${k}: ${(100 * v / total).toFixed(1)}% of ${total}`);
