/**
 * MotionNet training steps and inference, ours (wasm + the libtorch kernels
 * at 1 and 2 threads, as the model suite) against the same network and loss
 * in PyTorch (python/motionnet.py) at 1 and 2 threads, in one run.
 */
import * as tf from '@tensorflow/tfjs';
import { createMotionNet, stackFrames, unsupervisedLoss } from '@trajectorynet/motionnet';
import { ScheduledAdam } from '@trajectorynet/runtime';
import { type Engine, restoreEngine, speedEngines, useEngine } from '../engines.js';
import { runTorchScript, torchImportable } from '../pytorch.js';
import type { Table } from '../suite.js';
import { timeIt } from '../timing.js';

export interface StepSetting {
  name: string;
  frames: number;
  size: number;
  width: number;
  batch: number;
  /** Timed steps after one warm-up (medians). */
  steps: number;
}

export const FULL_STEP_SETTINGS: StepSetting[] = [
  { name: "the recipe's pairwise network (2 frames)", frames: 2, size: 128, width: 0.25, batch: 4, steps: 5 },
  { name: 'MotionNet-(17) (17 frames)', frames: 17, size: 128, width: 0.25, batch: 4, steps: 3 },
];
// checks that the comparison runs: one tiny stacked network (both directions, every loss term)
export const QUICK_STEP_SETTINGS: StepSetting[] = [{ name: 'tiny (3 frames)', frames: 3, size: 64, width: 0.125, batch: 1, steps: 1 }];

interface StepTiming {
  parameters: number;
  trainStepMs: number;
  inferenceMs: number;
}

interface TorchStepResult extends StepTiming {
  threads: number;
  torch: string;
  losses: number[];
}

/** Our training step as the pretraining loop takes it (unsupervised loss of both directions, gradients, the loop's Adam) and one forward pass of the batch. */
async function ourStep(s: StepSetting): Promise<StepTiming> {
  const model = createMotionNet({ frames: s.frames, height: s.size, width: s.size, widthMultiplier: s.width });
  const clip = tf.randomUniform([s.batch, s.frames, s.size, s.size, 3]) as tf.Tensor5D;
  const input = stackFrames(clip);
  const optimizer = new ScheduledAdam(1e-4, 0.9, 0.999, 1e-8);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const trainStep = () =>
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => unsupervisedLoss(model, clip, true).total, variables);
      optimizer.applyAdjusted(grads, { scale: null, decayOf: () => 0 });
      value.dataSync();
    });
  const inferStep = () =>
    tf.tidy(() => {
      for (const output of model.predict(input) as tf.Tensor[]) output.dataSync();
    });
  const train = await timeIt(trainStep, { warmup: 1, minRuns: s.steps, minSeconds: 0 });
  const infer = await timeIt(inferStep, { warmup: 1, minRuns: s.steps, minSeconds: 0 });
  const parameters = model.countParams();
  tf.dispose([clip, input]);
  optimizer.dispose();
  model.dispose();
  return { parameters, trainStepMs: train.medianMs, inferenceMs: infer.medianMs };
}

export interface PytorchComparison {
  engines: Engine[];
  ours: (StepTiming & { setting: StepSetting; engine: string; threads: number })[];
  /** Null when python3-torch is not importable. */
  pytorch: (TorchStepResult & { setting: StepSetting })[] | null;
}

export async function compareWithPytorch(settings: StepSetting[], quick: boolean, progress: (m: string) => void): Promise<PytorchComparison> {
  const { engines, note } = await speedEngines({ twoThreads: !quick, plain: false });
  progress(`training steps: engines ${engines.map((e) => e.label).join(', ')} (${note})`);
  const ours: PytorchComparison['ours'] = [];
  const torch = torchImportable();
  const pytorch: NonNullable<PytorchComparison['pytorch']> = [];
  for (const setting of settings) {
    for (const engine of engines) {
      await useEngine(engine);
      progress(`${setting.name}: ours, ${engine.label}`);
      ours.push({ setting, engine: engine.label, threads: engine.nativeThreads ?? 1, ...(await ourStep(setting)) });
    }
    await restoreEngine();
    if (!torch) continue;
    for (const threads of quick ? [1] : [1, 2]) {
      progress(`${setting.name}: PyTorch, ${threads} thread${threads > 1 ? 's' : ''}`);
      const result = await runTorchScript<TorchStepResult>('motionnet.py', [threads, setting.batch, setting.frames, setting.size, setting.width, setting.steps]);
      pytorch.push({ setting, ...result });
    }
  }
  if (!torch) progress('python3-torch not importable: PyTorch rows left out');
  return { engines, ours, pytorch: torch ? pytorch : null };
}

/** The table: ours and PyTorch per network, ours / PyTorch speed against PyTorch at the same threads. */
export function comparisonTable(c: PytorchComparison): Table {
  const rows: (string | number)[][] = [];
  for (const setting of new Set(c.ours.map((o) => o.setting))) {
    const torchRuns = (c.pytorch ?? []).filter((t) => t.setting === setting);
    const network = `${setting.name}, ${setting.size}x${setting.size}, width ${setting.width}, batch ${setting.batch}`;
    for (const o of c.ours.filter((x) => x.setting === setting)) {
      const same = torchRuns.find((t) => t.threads === o.threads);
      rows.push([network, `ours: ${o.engine}`, o.parameters, o.trainStepMs, o.inferenceMs, same ? same.trainStepMs / o.trainStepMs : 'n/a', same ? same.inferenceMs / o.inferenceMs : 'n/a']);
    }
    for (const t of torchRuns) rows.push([network, `PyTorch ${t.torch}, ${t.threads} thread${t.threads > 1 ? 's' : ''}`, t.parameters, t.trainStepMs, t.inferenceMs, 1, 1]);
  }
  return {
    title: 'MotionNet training step and inference: ours against the same network and loss in PyTorch (python/motionnet.py)',
    columns: ['network', 'engine', 'parameters', 'train step ms', 'inference ms', 'train speed: ours / PyTorch (same threads)', 'inference speed: ours / PyTorch (same threads)'],
    rows,
    note:
      "A training step: the unsupervised loss of the clip and of the clip reversed in time (both directions through the network, every scale's photometric, SSIM and smoothness terms), gradients and an Adam step; inference: one forward pass of the batch (one direction, all five outputs). Medians after one warm-up; speed ratios are PyTorch ms / ours ms (above 1: ours is faster). All measured in this run on the same machine, one after the other." +
      (c.pytorch == null ? ' python3-torch was not importable: no PyTorch rows.' : ''),
  };
}
