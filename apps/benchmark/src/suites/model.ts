/** Training and inference clips/s, parameters, MACs, peak RSS and tensor counts of C2D, S3D and TrajectoryNet. */
import { execFile, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { createTrajectoryNet, PRESET_STAGES, summarize, type TrajectoryNetConfig } from '@trajectorynet/resnet-s3d';
import { barChart } from '@trajectorynet/training';
import type { Suite } from '../suite.js';
import { timeIt } from '../timing.js';

const VARIANTS: [string, TrajectoryNetConfig['stages'], boolean][] = [
  ['C2D', PRESET_STAGES.c2d, false],
  ['S3D', PRESET_STAGES.s3d, false],
  ['TrajectoryNet', PRESET_STAGES.trajectorynet, false],
  ['TrajectoryNet + motion', PRESET_STAGES.trajectorynet, true],
];

const PYTHON = '/usr/bin/python3';
// beside dist/ in the package (tsup bundles this module into dist/)
const TORCH_SCRIPT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../python/s3d_resnet18.py');

interface TorchResult {
  threads: number;
  parameters: number;
  trainClipsPerSecond: number;
  inferenceClipsPerSecond: number;
  torch: string;
}

/** The same S3D ResNet-18 in PyTorch (CPU) with 1 and 2 threads, when python3-torch is importable. */
async function pytorchS3D(setting: { frames: number; size: number; batch: number; steps: number }): Promise<TorchResult[] | null> {
  if (spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status !== 0) return null;
  const results: TorchResult[] = [];
  for (const threads of [1, 2]) {
    const args = [TORCH_SCRIPT, threads, setting.batch, setting.frames, setting.size, Math.max(2, setting.steps), 174].map(String);
    const { stdout } = await promisify(execFile)(PYTHON, args, { maxBuffer: 1 << 20 });
    results.push(JSON.parse(stdout) as TorchResult);
  }
  return results;
}

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
    // PyTorch side by side: the paper-width S3D only (its mirror is written for width 1)
    const s3d = data.find((d) => d.name === 'S3D');
    let torch: TorchResult[] | null = null;
    const tables = [];
    if (setting.width === 1 && s3d != null) {
      progress('S3D ResNet-18 in PyTorch (1 and 2 threads), same clips');
      torch = await pytorchS3D(setting);
      if (torch != null) {
        tables.push({
          title: `S3D ResNet-18 side by side with PyTorch ${torch[0].torch} on the CPU (same architecture: ${torch[0].parameters.toLocaleString('en')} parameters vs ${s3d.summary.parameters.toLocaleString('en')} here)`,
          columns: ['engine', 'train clips/s', 'inference clips/s', 'ours / it (train)', 'ours / it (inference)'],
          rows: [
            ['tfjs wasm (this project, 1 thread)', s3d.trainClips, s3d.inferClips, 1, 1],
            ...torch.map((t) => [`PyTorch, ${t.threads} thread${t.threads > 1 ? 's' : ''}`, t.trainClipsPerSecond, t.inferenceClipsPerSecond, s3d.trainClips / t.trainClipsPerSecond, s3d.inferClips / t.inferenceClipsPerSecond]),
          ],
          note: 'PyTorch: SGD step with momentum (train mode), eval() + no_grad for inference, median of the steps; ours: an Adam step. Both measured in this run on the same machine.',
        });
      } else progress('python3-torch not importable: PyTorch columns left out');
    }
    return {
      tables: [
        {
          title: `ResNet-18, ${setting.frames}x${setting.size}x${setting.size}, width ${setting.width}, batch ${setting.batch}`,
          columns: ['model', 'params (M)', 'GMACs/clip', 'train clips/s', 'inference clips/s', 'peak RSS (MiB, process)', `tensors before -> after ${setting.steps} steps`],
          rows,
          note: 'One Adam step per training measurement (median). GMACs include the bilinear sampling of trajectory convs. Peak RSS is the process maximum so far.',
        },
        ...tables,
      ],
      charts: { 'model-throughput.svg': barChart(groups, { title: 'Clips per second (higher is better)', yLabel: 'clips/s' }) },
      data: { models: data, pytorch: torch },
    };
  },
};
