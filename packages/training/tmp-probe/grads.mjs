// probe (not committed): backbone weight gradients with offsets constant vs offsets on the tape
import * as tf from '@tensorflow/tfjs';
import { readFile } from 'node:fs/promises';
import { trajectoriesFromFlow } from '@trajectorynet/trajectory-conv';
import * as T from '../dist/index.js';
const S = '/work/study31/accuracy/trackable';
const cfg = async (d) => JSON.parse(await readFile(`${S}/${d}/config.json`, 'utf8'));
await T.useBackend({ backend: 'auto' });
console.log('backend', tf.getBackend());
const config = await cfg('tn-true-dense-seed1');
const { train, val } = await T.loadDatasets(config.data, config.train.seed);
const flows = await T.prepareFlows(config, [train, val], { cacheRoot: '/work/study31/accuracy/.cache', quiet: true });
const it = T.testBatches(config, val, flows)(0, 0)[Symbol.asyncIterator]();
const b = (await it.next()).value;
const O = (await T.loadTrainedModel(`${S}/tn-true-dense-seed1/latest.ckpt`)).recognizer;
const oi = T.recognizerInput(b);
const offsets = trajectoriesFromFlow(oi.flows.forward, oi.flows.backward, { taps: 3 });
const vars = O.backbone.trainableWeights.map((w) => w.read());
const loss = (off) => tf.losses.softmaxCrossEntropy(tf.oneHot(oi.labels, 8), O.backbone.apply([oi.clips, off], { training: false }));
const scale = tf.variable(tf.scalar(1));
const a = tf.variableGrads(() => loss(offsets), vars);
const bb = tf.variableGrads(() => loss(tf.mul(offsets, scale)), [...vars, scale]);
let worst = 0, worstName = '';
for (const v of vars) {
  const ga = a.grads[v.name], gb = bb.grads[v.name];
  const d = tf.max(tf.abs(tf.sub(ga, gb))).dataSync()[0] / (tf.max(tf.abs(ga)).dataSync()[0] + 1e-12);
  if (d > worst) { worst = d; worstName = v.name; }
}
console.log('loss', a.value.dataSync()[0], bb.value.dataSync()[0], 'worst relative grad difference', worst, worstName, 'grad wrt scale', bb.grads[scale.name].dataSync()[0]);
// and on the cpu backend as the reference
