import path from 'node:path';
import { exportWebModel, resolveConfig, runTraining } from '@trajectorynet/training';
const SMALL = ['data.size=32', 'data.frames=4', 'data.frameInterval=2', 'model.width=0.0625', 'data.trainClipsPerClass=1', 'data.valClipsPerClass=1', 'train.batchSize=4', 'schedule.warmupSteps=1', 'train.epochs=1'];
const MODELS = [
  ['tvl1', 'trajectorynet-r18-tiny', []],
  ['motionnet', 'trajectorynet-r18-motionnet-motion-tiny', ['motionnet.width=0.0625', 'data.frameInterval=1']],
];
const work = '/tmp/prof34';
for (const [name, preset, extra] of MODELS) {
  const [run, out] = [path.join(work, 'runs', name), path.join(work, 'models', name)];
  const config = await resolveConfig({ preset, overrides: [...SMALL, ...extra, 'backend=wasm'] });
  await runTraining(config, { outDir: run, quiet: true, log: () => {} });
  await exportWebModel(path.join(run, 'best.ckpt'), out);
  console.log('exported', out);
}
