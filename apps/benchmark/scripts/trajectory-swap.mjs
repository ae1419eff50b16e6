// The accuracy study's trained TrajectoryNets with their trajectories swapped: each run's backbone scored on the
// validation clips with the trajectories of every other run's source (and zero ones). Tells apart what a model
// gains from its trajectories at test time from what its backbone learned while training with them.
// Runs are study folders of one seed (same validation clips, same order); a joint run's trajectories come from its
// own MotionNet, the others' from their flows (cache, oracle). Rows: backbone; columns: trajectories.
// From apps/benchmark after building:
//   node scripts/trajectory-swap.mjs STUDY_DIR SEED MODEL... (e.g. /work/study/accuracy/trackable 1 tn-true tn-tvl1 tn-motionnet-stacked)
// env CACHE: the flow cache (default STUDY_DIR/../.cache, where the suite keeps it)
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { trajectoriesFromFlow } from '@trajectorynet/trajectory-conv';
import { LATEST, loadDatasets, loadTrainedModel, prepareFlows, recognizerInput, testBatches, useBackend } from '@trajectorynet/training';

const [studyDir, seedText, ...models] = process.argv.slice(2);
if (studyDir == null || !(Number(seedText) > 0) || models.length === 0) {
  console.error('usage: node scripts/trajectory-swap.mjs STUDY_DIR SEED MODEL...');
  process.exit(2);
}
const cacheRoot = process.env.CACHE ?? path.join(studyDir, '..', '.cache');
const runs = [];
for (const model of models) {
  const dir = path.join(studyDir, `${model}-dense-seed${seedText}`);
  const config = JSON.parse(await readFile(path.join(dir, 'config.json'), 'utf8'));
  if (runs.length === 0) await useBackend(config);
  const { recognizer } = await loadTrainedModel(path.join(dir, LATEST));
  const { train, val } = await loadDatasets(config.data, config.train.seed);
  const flows = await prepareFlows(config, [train, val], { cacheRoot, quiet: true });
  runs.push({ model, recognizer, batches: testBatches(config, val, flows)(0, 0)[Symbol.asyncIterator]() });
}
const columns = [...models, 'zero'];
const correct = runs.map(() => columns.map(() => 0));
let total = 0;
for (;;) {
  const next = await Promise.all(runs.map((r) => r.batches.next()));
  if (next.some((n) => n.done)) break;
  tf.tidy(() => {
    const inputs = next.map((n) => recognizerInput(n.value));
    // the backbone's clips: the first run's that is not joint (a joint run's input holds MotionNet's consecutive frames)
    const plain = runs.findIndex((r) => r.recognizer.motionNet == null);
    if (plain < 0) throw new Error('give at least one run whose trajectories come from flows (not a joint MotionNet)');
    const clips = inputs[plain].clips;
    const labels = inputs[plain].labels;
    const offsets = runs.map((r, k) => (r.recognizer.motionNet != null ? r.recognizer.forward(inputs[k], false).offsets : trajectoriesFromFlow(inputs[k].flows.forward, inputs[k].flows.backward, { taps: 3 })));
    offsets.push(tf.zerosLike(offsets[plain]));
    runs.forEach((r, i) => {
      offsets.forEach((o, j) => {
        const logits = r.recognizer.backbone.apply([clips, o], { training: false });
        correct[i][j] += tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), labels), 'int32')).dataSync()[0];
      });
    });
    total += labels.shape[0];
  });
}
console.log(`validation top-1 % over ${total} clips, seed ${seedText}; rows: the run's backbone, columns: whose trajectories (own on the diagonal)\n`);
console.log(`| backbone of \\ trajectories of | ${columns.join(' | ')} |`);
console.log(`| --- | ${columns.map(() => '---').join(' | ')} |`);
runs.forEach((r, i) => console.log(`| ${r.model} | ${correct[i].map((c, j) => (j === i ? `**${((100 * c) / total).toFixed(1)}**` : ((100 * c) / total).toFixed(1))).join(' | ')} |`));
