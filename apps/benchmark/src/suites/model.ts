/** Training and inference clips/s, parameters, MACs, peak RSS and tensor counts of C2D, S3D and TrajectoryNet. */
import * as tf from '@tensorflow/tfjs';
import { createTrajectoryNet, PRESET_STAGES, summarize, type TrajectoryNetConfig } from '@trajectorynet/resnet-s3d';
import { barChart } from '@trajectorynet/trainer';
import type { Suite } from '../suite.js';
import { timeIt } from '../timing.js';

const VARIANTS: [string, TrajectoryNetConfig['stages'], boolean][] = [
  ['C2D', PRESET_STAGES.c2d, false],
  ['S3D', PRESET_STAGES.s3d, false],
  ['TrajectoryNet', PRESET_STAGES.trajectorynet, false],
  ['TrajectoryNet + motion', PRESET_STAGES.trajectorynet, true],
];

export const modelSuite: Suite = {
  name: 'model',
  description: 'ResNet-18 C2D / S3D / TrajectoryNet: train and inference clips/s, parameters, MACs, memory',
  async run({ quick, progress }) {
    const setting = quick ? { frames: 8, size: 64, width: 0.125, batch: 2, steps: 2 } : { frames: 8, size: 112, width: 1, batch: 2, steps: 4 };
    const rows: (string | number)[][] = [];
    const groups = [];
    const data = [];
    for (const [name, stages, withMotion] of VARIANTS) {
      progress(`${name} ${setting.frames}x${setting.size}x${setting.size} width ${setting.width}`);
      const config: TrajectoryNetConfig = { depth: 18, numClasses: 174, frames: setting.frames, size: setting.size, width: setting.width, stages, withMotion };
      const model = createTrajectoryNet(config);
      const summary = summarize(model);
      const clip = tf.randomNormal([setting.batch, setting.frames, setting.size, setting.size, 3]);
      const offsets = tf.randomUniform([setting.batch, setting.frames, setting.size, setting.size, 3, 2], -3, 3);
      const labels = tf.oneHot(tf.tensor1d([1, 2], 'int32'), 174);
      const feed = model.inputs.length === 2 ? [clip, offsets] : [clip];
      const optimizer = tf.train.adam(1e-4);
      const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
      const trainStep = () => {
        tf.tidy(() => {
          const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(labels, model.apply(feed, { training: true }) as tf.Tensor) as tf.Scalar, variables);
          optimizer.applyGradients(grads as Parameters<typeof optimizer.applyGradients>[0]);
          value.dataSync();
        });
      };
      const inferStep = () => {
        tf.tidy(() => (model.predict(feed) as tf.Tensor).dataSync());
      };
      trainStep();
      const tensorsBefore = tf.memory().numTensors;
      const train = await timeIt(trainStep, { warmup: 0, minRuns: setting.steps, minSeconds: 0 });
      const tensorsAfter = tf.memory().numTensors;
      const infer = await timeIt(inferStep, { warmup: 1, minRuns: setting.steps, minSeconds: 0 });
      const peakRssMiB = process.resourceUsage().maxRSS / 1024;
      const trainClips = setting.batch / (train.medianMs / 1000);
      const inferClips = setting.batch / (infer.medianMs / 1000);
      rows.push([name, summary.parameters / 1e6, (summary.macs + summary.samplingMacs) / 1e9, trainClips, inferClips, peakRssMiB, `${tensorsBefore} -> ${tensorsAfter}`]);
      groups.push({ group: name, bars: [{ name: 'train clips/s', value: trainClips }, { name: 'inference clips/s', value: inferClips }] });
      data.push({ name, config, summary, trainMs: train.medianMs, inferMs: infer.medianMs, trainClips, inferClips, peakRssMiB, tensorsBefore, tensorsAfter });
      tf.dispose([clip, offsets, labels]);
      optimizer.dispose();
      model.dispose();
    }
    return {
      tables: [
        {
          title: `ResNet-18, ${setting.frames}x${setting.size}x${setting.size}, width ${setting.width}, batch ${setting.batch}`,
          columns: ['model', 'params (M)', 'GMACs/clip', 'train clips/s', 'inference clips/s', 'peak RSS (MiB, process)', `tensors before -> after ${setting.steps} steps`],
          rows,
          note: 'One Adam step per training measurement (median). GMACs include the bilinear sampling of trajectory convs. Peak RSS is the process maximum so far.',
        },
      ],
      charts: { 'model-throughput.svg': barChart(groups, { title: 'Clips per second (higher is better)', yLabel: 'clips/s' }) },
      data,
    };
  },
};
