/**
 * Training and inference clips/s, parameters, MACs, peak RSS and tensor counts
 * of C2D, S3D and TrajectoryNet on each engine (wasm, wasm + libtorch at 1 and
 * 2 threads), and the same S3D ResNet-18 in PyTorch, all in one run.
 */
import * as tf from '@tensorflow/tfjs';
import { createTrajectoryNet, foldBatchNorm, PRESET_STAGES, summarize, type TrajectoryNetConfig } from '@trajectorynet/resnet-s3d';
import { ScheduledAdam } from '@trajectorynet/runtime';
import { barChart } from '@trajectorynet/training';
import { restoreEngine, speedEngines, useEngine } from '../engines.js';
import { runTorchScript, torchImportable } from '../pytorch.js';
import type { Suite } from '../suite.js';
import { timeIt } from '../timing.js';

const VARIANTS: [string, TrajectoryNetConfig['stages'], boolean][] = [
  ['C2D', PRESET_STAGES.c2d, false],
  ['S3D', PRESET_STAGES.s3d, false],
  ['TrajectoryNet', PRESET_STAGES.trajectorynet, false],
  ['TrajectoryNet + motion', PRESET_STAGES.trajectorynet, true],
];

interface TorchResult {
  threads: number;
  optimizer: 'adam' | 'sgd';
  parameters: number;
  trainClipsPerSecond: number;
  inferenceClipsPerSecond: number;
  torch: string;
}

/**
 * The same S3D ResNet-18 in PyTorch (CPU), when python3-torch is importable: with Adam (the step ours takes) at 1 and
 * 2 threads, and with SGD and momentum (what PyTorch recipes often use, one state array less per weight) at 2.
 */
async function pytorchS3D(setting: { frames: number; size: number; batch: number; steps: number }): Promise<TorchResult[] | null> {
  if (!torchImportable()) return null;
  const results: TorchResult[] = [];
  for (const [threads, optimizer] of [[1, 'adam'], [2, 'adam'], [2, 'sgd']] as const) {
    results.push(await runTorchScript<TorchResult>('s3d_resnet18.py', [threads, setting.batch, setting.frames, setting.size, Math.max(2, setting.steps), 174, optimizer]));
  }
  return results;
}

interface Measured {
  name: string;
  config: TrajectoryNetConfig;
  summary: ReturnType<typeof summarize>;
  trainMs: number;
  inferMs: number;
  trainClips: number;
  inferClips: number;
  peakRssMiB: number;
  tensorsBefore: number;
  tensorsAfter: number;
  folded: FoldedInference;
}

/** Inference of the model against its folded form (foldBatchNorm), measured alternately in one run. */
interface FoldedInference {
  plainMs: number;
  foldedMs: number;
  /** Unfolded ms / folded ms (above 1: folding is faster). */
  speedup: number;
  plainKernels: number;
  foldedKernels: number;
  /** max |folded - unfolded| / max |unfolded| of the logits. */
  maxRelativeDifference: number;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/**
 * Unfolded and folded inference alternately (plain, folded, plain, ...: on a loaded machine both see the same
 * load), medians of `runs` each after one warm-up of both; kernels per inference from tf.profile.
 */
async function measureFolded(model: tf.LayersModel, feed: tf.Tensor[], runs: number): Promise<FoldedInference> {
  const { model: folded } = await foldBatchNorm(model);
  const once = (m: tf.LayersModel) => {
    const t0 = performance.now();
    tf.tidy(() => {
      (m.predict(feed) as tf.Tensor).dataSync();
    });
    return performance.now() - t0;
  };
  once(model);
  once(folded);
  const plain: number[] = [];
  const fused: number[] = [];
  for (let i = 0; i < runs; i++) {
    plain.push(once(model));
    fused.push(once(folded));
  }
  const kernels = async (m: tf.LayersModel) => {
    const info = await tf.profile(() => m.predict(feed) as tf.Tensor);
    tf.dispose(info.result as tf.Tensor);
    return info.kernels.length;
  };
  const [a, b] = tf.tidy(() => [(folded.predict(feed) as tf.Tensor).dataSync(), (model.predict(feed) as tf.Tensor).dataSync()]);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  const result = {
    plainMs: median(plain),
    foldedMs: median(fused),
    speedup: median(plain) / median(fused),
    plainKernels: await kernels(model),
    foldedKernels: await kernels(folded),
    maxRelativeDifference: worst / Math.max(...b.map(Math.abs)),
  };
  folded.dispose();
  return result;
}

/** One Adam step per training measurement and one predict per inference measurement (medians). */
async function measureModel(name: string, config: TrajectoryNetConfig, setting: { frames: number; size: number; batch: number; steps: number }): Promise<Measured> {
  const model = createTrajectoryNet(config);
  const summary = summarize(model);
  const clip = tf.randomNormal([setting.batch, setting.frames, setting.size, setting.size, 3]);
  const offsets = tf.randomUniform([setting.batch, setting.frames, setting.size, setting.size, 3, 2], -3, 3);
  const labels = tf.oneHot(tf.tensor1d([1, 2], 'int32'), 174);
  const feed = model.inputs.length === 2 ? [clip, offsets] : [clip];
  // the training loop's Adam: one native call per step with the libtorch kernels
  const optimizer = new ScheduledAdam(1e-4, 0.9, 0.999, 1e-8);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const trainStep = () => {
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(labels, model.apply(feed, { training: true }) as tf.Tensor) as tf.Scalar, variables);
      optimizer.applyAdjusted(grads, { scale: null, decayOf: () => 0 });
      value.dataSync();
    });
  };
  const inferStep = () => {
    tf.tidy(() => {
      (model.predict(feed) as tf.Tensor).dataSync();
    });
  };
  trainStep();
  const tensorsBefore = tf.memory().numTensors;
  const train = await timeIt(trainStep, { warmup: 0, minRuns: setting.steps, minSeconds: 0 });
  const tensorsAfter = tf.memory().numTensors;
  const infer = await timeIt(inferStep, { warmup: 1, minRuns: setting.steps, minSeconds: 0 });
  const folded = await measureFolded(model, feed, Math.max(7, 2 * setting.steps));
  const peakRssMiB = process.resourceUsage().maxRSS / 1024;
  tf.dispose([clip, offsets, labels]);
  optimizer.dispose();
  model.dispose();
  return {
    name, config, summary, trainMs: train.medianMs, inferMs: infer.medianMs, trainClips: setting.batch / (train.medianMs / 1000),
    inferClips: setting.batch / (infer.medianMs / 1000), peakRssMiB, tensorsBefore, tensorsAfter, folded,
  };
}

export const modelSuite: Suite = {
  name: 'model',
  description: 'ResNet-18 C2D / S3D / TrajectoryNet: train and inference clips/s, parameters, MACs, memory',
  async run({ quick, progress }) {
    const setting = quick ? { frames: 8, size: 64, width: 0.125, batch: 2, steps: 2 } : { frames: 8, size: 112, width: 1, batch: 2, steps: 4 };
    const rows: (string | number)[][] = [];
    const groups = [];
    const data: (Measured & { engine: string })[] = [];
    // --quick checks that the suite runs: the native engine alone when it loads
    const { engines, note } = await speedEngines({ twoThreads: !quick, plain: !quick });
    progress(`engines: ${engines.map((e) => e.label).join(', ')} (${note})`);
    for (const engine of engines) {
      await useEngine(engine);
      // the second thread: measured on the two models the targets name
      const variants = engine.nativeThreads === 2 ? VARIANTS.filter(([name]) => name === 'S3D' || name === 'TrajectoryNet') : VARIANTS;
      for (const [name, stages, withMotion] of variants) {
        progress(`${engine.label}: ${name} ${setting.frames}x${setting.size}x${setting.size} width ${setting.width}`);
        const m = await measureModel(name, { depth: 18, numClasses: 174, frames: setting.frames, size: setting.size, width: setting.width, stages, withMotion }, setting);
        rows.push([engine.label, name, m.summary.parameters / 1e6, (m.summary.macs + m.summary.samplingMacs) / 1e9, m.trainClips, m.inferClips, m.peakRssMiB, `${m.tensorsBefore} -> ${m.tensorsAfter}`]);
        groups.push({ group: `${name} (${engine.label})`, bars: [{ name: 'train clips/s', value: m.trainClips }, { name: 'inference clips/s', value: m.inferClips }] });
        data.push({ ...m, engine: engine.label });
      }
    }
    await restoreEngine();
    const stepRatios = engines.flatMap((engine) => {
      const of = (name: string) => data.find((d) => d.engine === engine.label && d.name === name);
      const [s3dRun, trajectoryRun] = [of('S3D'), of('TrajectoryNet')];
      return s3dRun && trajectoryRun ? [[engine.label, trajectoryRun.trainMs, s3dRun.trainMs, trajectoryRun.trainMs / s3dRun.trainMs]] : [];
    });
    // PyTorch side by side: the paper-width S3D only (its mirror is written for width 1)
    const s3dRuns = data.filter((d) => d.name === 'S3D');
    let torch: TorchResult[] | null = null;
    const tables = [];
    if (setting.width === 1 && s3dRuns.length > 0) {
      progress('S3D ResNet-18 in PyTorch (Adam at 1 and 2 threads, SGD at 2), same clips');
      torch = await pytorchS3D(setting);
      if (torch != null) {
        // the reference: PyTorch at 2 threads taking the same (Adam) step as ours
        const twoThreads = torch.find((t) => t.threads === 2 && t.optimizer === 'adam') ?? torch[torch.length - 1];
        tables.push({
          title: `S3D ResNet-18 side by side with PyTorch ${torch[0].torch} on the CPU (same architecture: ${torch[0].parameters.toLocaleString('en')} parameters vs ${s3dRuns[0].summary.parameters.toLocaleString('en')} here)`,
          columns: ['engine', 'train clips/s', 'inference clips/s', 'train / PyTorch 2 threads', 'inference / PyTorch 2 threads'],
          rows: [
            ...s3dRuns.map((d) => [`tfjs ${d.engine}`, d.trainClips, d.inferClips, d.trainClips / twoThreads.trainClipsPerSecond, d.inferClips / twoThreads.inferenceClipsPerSecond]),
            ...torch.map((t) => [`PyTorch, ${t.threads} thread${t.threads > 1 ? 's' : ''}, ${t.optimizer === 'adam' ? 'Adam' : 'SGD with momentum'}`, t.trainClipsPerSecond, t.inferenceClipsPerSecond, t.trainClipsPerSecond / twoThreads.trainClipsPerSecond, t.inferenceClipsPerSecond / twoThreads.inferenceClipsPerSecond]),
          ],
          note: 'Ratios against PyTorch at 2 threads with Adam, the step ours takes (lr 1e-4, betas 0.9 and 0.999); the SGD row shows the cheaper optimizer. PyTorch: train mode, eval() + no_grad for inference, median of the steps. All measured in this run on the same machine, one after the other.',
        });
      } else progress('python3-torch not importable: PyTorch columns left out');
    }
    tables.push({
      title: 'Folded inference: BatchNorms folded into the convs, ReLUs fused (foldBatchNorm), against the unfolded model',
      columns: ['engine', 'model', 'unfolded clips/s', 'folded clips/s', 'folded / unfolded', 'kernels per inference: unfolded -> folded', 'max relative logit difference'],
      rows: data.map((d) => [d.engine, d.name, setting.batch / (d.folded.plainMs / 1000), setting.batch / (d.folded.foldedMs / 1000), d.folded.speedup, `${d.folded.plainKernels} -> ${d.folded.foldedKernels}`, d.folded.maxRelativeDifference]),
      note: 'One predict of each alternately (unfolded, folded, ...), medians; the ratio is measured within one run, so both see the same machine load.',
    });
    if (stepRatios.length > 0) {
      tables.push({
        title: 'A TrajectoryNet training step against an S3D step (same engine)',
        columns: ['engine', 'TrajectoryNet step ms', 'S3D step ms', 'ratio'],
        rows: stepRatios,
        note: 'Median Adam steps from the first table; the goal is a ratio of at most 1.3.',
      });
    }
    return {
      tables: [
        {
          title: `ResNet-18, ${setting.frames}x${setting.size}x${setting.size}, width ${setting.width}, batch ${setting.batch}`,
          columns: ['engine', 'model', 'params (M)', 'GMACs/clip', 'train clips/s', 'inference clips/s', 'peak RSS (MiB, process)', `tensors before -> after ${setting.steps} steps`],
          rows,
          note: 'One Adam step per training measurement (median). GMACs include the bilinear sampling of trajectory convs. Peak RSS is the process maximum so far.',
        },
        ...tables,
      ],
      charts: { 'model-throughput.svg': barChart(groups, { title: 'Clips per second (higher is better)', yLabel: 'clips/s' }) },
      data: { engines, models: data, pytorch: torch, stepRatios },
    };
  },
};
