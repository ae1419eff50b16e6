/**
 * MotionNet: forward speed of the paper-width network and of the small
 * variants the trainer uses on CPUs; and flow quality after the documented
 * pretraining recipe (unsupervised, on the procedural generator): end-point
 * error on the FlyingChairs pairs and on the generator's validation set, next
 * to TV-L1 and zero flow on the same pairs in the same run.
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Flow, Image } from '@trajectorynet/core';
import { createMotionNet, predictFlow, stackFrames } from '@trajectorynet/motionnet';
import { barChart, loadMotionNet, loadTextureFrames, PROCEDURAL_PRETRAINING, pretrainMotionNet } from '@trajectorynet/training';
import { endPointError, tvl1 } from '@trajectorynet/tvl1-flow';
import { type ProceduralSequence, proceduralValidationSet, readFlo, readImage } from '@trajectorynet/video-io';
import type { Suite, SuiteResult } from '../suite.js';
import { timeIt } from '../timing.js';
import { stackedFlows } from './stacked-flows.js';
import { comparisonTable, compareWithPytorch, FULL_STEP_SETTINGS, QUICK_STEP_SETTINGS } from './motionnet-pytorch.js';

interface Variant {
  name: string;
  frames: number;
  size: number;
  width: number;
}

const FULL_VARIANTS: Variant[] = [
  { name: 'paper width, 2 frames 224x224', frames: 2, size: 224, width: 1 },
  { name: 'width 1/4, 2 frames 128x128 (the pretraining recipe)', frames: 2, size: 128, width: 0.25 },
  { name: 'width 1/4, 17 frames 128x128 (MotionNet-(17) for 16-frame clips)', frames: 17, size: 128, width: 0.25 },
  { name: 'width 1/8, 8 frames 64x64 (tiny presets)', frames: 8, size: 64, width: 0.125 },
];
const QUICK_VARIANTS: Variant[] = [
  { name: 'width 1/4, 2 frames 64x64', frames: 2, size: 64, width: 0.25 },
  { name: 'width 1/8, 8 frames 64x64 (tiny presets)', frames: 8, size: 64, width: 0.125 },
];

/** Forward passes per second (one stack per pass) and parameters. */
async function forwardSpeed(v: Variant, runs: number): Promise<{ stacksPerSecond: number; parameters: number; ms: number }> {
  const model = createMotionNet({ frames: v.frames, height: v.size, width: v.size, widthMultiplier: v.width });
  const clip = tf.randomUniform([1, v.frames, v.size, v.size, 3]) as tf.Tensor5D;
  const input = stackFrames(clip);
  const forward = () =>
    tf.tidy(() => {
      for (const output of model.predict(input) as tf.Tensor[]) output.dataSync();
    });
  const timing = await timeIt(forward, { warmup: 1, minRuns: runs, minSeconds: 0 });
  const parameters = model.countParams();
  tf.dispose([clip, input]);
  model.dispose();
  return { stacksPerSecond: 1000 / timing.medianMs, parameters, ms: timing.medianMs };
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const cpuSeconds = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};

interface Pair {
  name: string;
  a: Image;
  b: Image;
  truth: Flow;
  /** predictFlow's scale for this pair. */
  scale: number;
}

interface PairResult {
  name: string;
  motionnet: number;
  tvl1: number;
  zero: number;
  motionnetSeconds: number;
  tvl1Seconds: number;
}

async function measurePairs(model: tf.LayersModel, pairs: Pair[], progress: (m: string) => void): Promise<PairResult[]> {
  const results: PairResult[] = [];
  for (const p of pairs) {
    progress(`${p.name}: MotionNet and TV-L1`);
    let t0 = performance.now();
    const learned = await predictFlow(model, p.a, p.b, { scale: p.scale });
    const motionnetSeconds = (performance.now() - t0) / 1000;
    t0 = performance.now();
    const classical = tvl1({ ...p.a, channels: 3 }, { ...p.b, channels: 3 });
    const tvl1Seconds = (performance.now() - t0) / 1000;
    const zero = { width: p.truth.width, height: p.truth.height, u: new Float32Array(p.truth.u.length), v: new Float32Array(p.truth.v.length) };
    results.push({ name: p.name, motionnet: endPointError(learned, p.truth), motionnetSeconds, tvl1: endPointError(classical, p.truth), tvl1Seconds, zero: endPointError(zero, p.truth) });
  }
  return results;
}

/**
 * A stacked MotionNet-(N) on sequences of N frames at its input size: every
 * consecutive pair's forward flow from one pass, next to TV-L1 and zero flow
 * on the same pairs (FlyingChairs has two frames: a stacked network cannot
 * run on it).
 */
export async function measureStacked(model: tf.LayersModel, sequences: ProceduralSequence[], progress: (m: string) => void): Promise<PairResult[]> {
  const results: PairResult[] = [];
  for (const [k, sequence] of sequences.entries()) {
    progress(`sequence ${k}: stacked MotionNet and TV-L1`);
    const { width, height } = sequence;
    const n = sequence.frames.length;
    let t0 = performance.now();
    const learnedFlows = await stackedFlows(model, sequence.frames, width, height);
    const motionnetSeconds = (performance.now() - t0) / 1000 / (n - 1);
    const plane = width * height;
    for (let j = 0; j < n - 1; j++) {
      const learned = learnedFlows[j];
      const frame = (data: Uint8Array) => ({ width, height, data, channels: 3 as const });
      t0 = performance.now();
      const classical = tvl1(frame(sequence.frames[j]), frame(sequence.frames[j + 1]));
      const tvl1Seconds = (performance.now() - t0) / 1000;
      const truth = sequence.flows[j];
      const zero = { width, height, u: new Float32Array(plane), v: new Float32Array(plane) };
      results.push({ name: `sequence ${k} pair ${j}`, motionnet: endPointError(learned, truth), motionnetSeconds, tvl1: endPointError(classical, truth), tvl1Seconds, zero: endPointError(zero, truth) });
    }
  }
  return results;
}

function epeRows(results: PairResult[]): (string | number)[][] {
  const rows: (string | number)[][] = results.map((p) => [p.name, p.motionnet, p.tvl1, p.zero, p.motionnet / p.zero, p.motionnetSeconds, p.tvl1Seconds]);
  const m = meanResult('mean', results);
  rows.push(['mean', m.motionnet, m.tvl1, m.zero, m.motionnet / m.zero, m.motionnetSeconds, m.tvl1Seconds]);
  return rows;
}

/** The mean of each number over the pairs, under a new name. */
function meanResult(name: string, results: PairResult[]): PairResult {
  const m = (k: keyof Omit<PairResult, 'name'>) => mean(results.map((p) => p[k]));
  return { name, motionnet: m('motionnet'), tvl1: m('tvl1'), zero: m('zero'), motionnetSeconds: m('motionnetSeconds'), tvl1Seconds: m('tvl1Seconds') };
}

const EPE_COLUMNS = ['pair', 'MotionNet EPE', 'TV-L1 EPE', 'zero-flow EPE', 'MotionNet / zero', 'MotionNet s', 'TV-L1 s'];

export const motionnetSuite: Suite = {
  name: 'motionnet',
  description: "MotionNet training step and inference against the same network and loss in PyTorch; forward speed; EPE on FlyingChairs and on procedural validation pairs (the network's size and FlyingChairs') after the pretraining recipe, next to TV-L1 and zero flow",
  needsData: true,
  async run({ quick, outDir, progress, dataDir, motionnetCheckpoint, motionnetPytorchOnly }): Promise<SuiteResult> {
    const data = dataDir!;
    // training steps and inference against PyTorch, first (the rest can take an hour)
    const pytorch = await compareWithPytorch(quick ? QUICK_STEP_SETTINGS : FULL_STEP_SETTINGS, quick, progress);
    if (motionnetPytorchOnly) return { tables: [comparisonTable(pytorch)], charts: {}, data: { pytorch } };
    const speed: ({ variant: Variant } & Awaited<ReturnType<typeof forwardSpeed>>)[] = [];
    for (const variant of quick ? QUICK_VARIANTS : FULL_VARIANTS) {
      progress(`forward: ${variant.name}`);
      speed.push({ variant, ...(await forwardSpeed(variant, quick ? 2 : 5)) });
    }

    // the documented recipe (quick: a few steps of a small network, to check that the suite runs), or its checkpoint
    const recipe = PROCEDURAL_PRETRAINING;
    // quick: both phases, a round each
    const training = quick ? { ...recipe.options, steps: 4, height: 64, width: 64, widthMultiplier: 0.125, batchSize: 2, checkpointEvery: 2, supervisedFrom: 2 } : recipe.options;
    const textures = await loadTextureFrames([path.join(data, 'videos'), path.join(data, 'rawframes')], recipe.texturesPerVideo);
    const [wall0, cpu0] = [performance.now(), cpuSeconds()];
    let model: tf.LayersModel;
    let pretraining: string;
    let losses: number[] = [];
    const [recipeRun, ...otherRuns] = motionnetCheckpoint ?? [];
    // what the report says of the network: the recipe's settings, or the loaded run's own
    let setupOf = `width ${training.widthMultiplier}, pairwise, trained at ${training.width}x${training.height} on the procedural generator (PROCEDURAL_PRETRAINING, textures from the shared videos and frames): ${training.supervisedFrom} steps of the unsupervised loss, then ${training.steps - training.supervisedFrom} on the generator's true flow; batch ${training.batchSize}, Adam ${training.lr} x${training.lrDecay.factor} at steps ${training.lrDecay.at.join(', ')}`;
    if (recipeRun != null) {
      const loaded = await loadMotionNet(recipeRun);
      const s = loaded.meta.settings;
      model = loaded.model;
      const supervision = s.supervision === 'flow' ? 'the true flow throughout' : s.supervisedFrom != null ? `unsupervised, then the true flow from step ${s.supervisedFrom}` : 'unsupervised';
      setupOf = `width ${s.widthMultiplier}, ${s.frames} frames, trained at ${s.width}x${s.height} (batch ${s.batchSize}, Adam ${s.lr}, ${supervision}; the run's own settings)`;
      pretraining = `loaded from ${recipeRun}`;
    } else {
      let lastLine = 0;
      const run = await pretrainMotionNet(
        { kind: 'procedural', textures, options: recipe.generator, supervisedOptions: recipe.supervisedGenerator },
        {
          ...training,
          outDir: path.join(outDir, 'motionnet-pretraining'),
          overwrite: true,
          onStep: (r) => {
            if (performance.now() - lastLine > 10_000 || r.step === r.steps) {
              lastLine = performance.now();
              const eta = (r.steps - r.step) * (training.batchSize / Math.max(1e-9, r.itemsPerSecond));
              progress(`pretraining (procedural): step ${r.step}/${r.steps}, loss ${r.loss.toFixed(3)}, ${r.itemsPerSecond.toFixed(2)} pairs/s, ETA ${eta.toFixed(0)} s`);
            }
          },
        },
      );
      model = run.model;
      losses = run.state.history.map((h) => h.train.loss);
      pretraining = `${training.steps} steps in ${((performance.now() - wall0) / 1000).toFixed(0)} s wall, ${(cpuSeconds() - cpu0).toFixed(0)} s CPU (this process)`;
    }
    const trainWallSeconds = (performance.now() - wall0) / 1000;
    const trainCpuSeconds = cpuSeconds() - cpu0;

    const chairs: Pair[] = [];
    for (const id of quick ? ['0000001'] : ['0000000', '0000001', '0000002']) {
      const file = (suffix: string) => path.join(data, `flow/flyingchairs/${id}-${suffix}`);
      chairs.push({ name: `FlyingChairs ${id}`, a: await readImage(file('img0.ppm')), b: await readImage(file('img1.ppm')), truth: await readFlo(file('gt.flo')), scale: recipe.inferenceScale });
    }
    const [inputHeight, inputWidth] = model.inputs[0].shape.slice(1, 3) as number[];
    const validationCount = quick ? 2 : 32;
    // validation seeds (never trained on), the generator's default settings
    const proceduralPairs = (width: number, height: number, count: number, scale: number) =>
      proceduralValidationSet({ ...recipe.generator, width, height, frames: 2, textures }, count).map(
        (s, i): Pair => ({ name: `procedural ${i}`, a: { width: s.width, height: s.height, data: s.frames[0] }, b: { width: s.width, height: s.height, data: s.frames[1] }, truth: s.flows[0], scale }),
      );
    const validation = proceduralPairs(inputWidth, inputHeight, validationCount, 1);
    // FlyingChairs' size and inference scale: motions up to 46 px (12% of the shorter side), never trained on
    const largeCount = quick ? 1 : 16;
    const large = proceduralPairs(512, 384, largeCount, recipe.inferenceScale);
    const chairsResults = await measurePairs(model, chairs, progress);
    const validationResults = await measurePairs(model, validation, progress);
    const largeResults = await measurePairs(model, large, progress);
    model.dispose();
    // other pretraining runs (e.g. the supervised sanity check): MotionNet's EPE on the same pairs
    const others: { run: string; settings: unknown; chairs: number; validation: number; large: number }[] = [];
    const stacked: { run: string; frames: number; size: string; sequences: number; mean: PairResult }[] = [];
    for (const run of otherRuns) {
      progress(`MotionNet of ${run}`);
      const loaded = await loadMotionNet(run);
      const { frames, width, height } = loaded.meta.settings;
      if (frames > 2) {
        // validation seeds of the generator's default settings, as the pairwise runs' procedural pairs
        const sequences = proceduralValidationSet({ ...recipe.generator, width, height, frames, textures }, quick ? 1 : 8);
        stacked.push({ run, frames, size: `${width}x${height}`, sequences: sequences.length, mean: meanResult('mean', await measureStacked(loaded.model, sequences, progress)) });
        loaded.model.dispose();
        continue;
      }
      const epeOf = async (pairs: Pair[]) => mean(await Promise.all(pairs.map(async (p) => endPointError(await predictFlow(loaded.model, p.a, p.b, { scale: p.scale }), p.truth))));
      others.push({ run, settings: loaded.meta.settings, chairs: await epeOf(chairs), validation: await epeOf(validation), large: await epeOf(large) });
      loaded.model.dispose();
    }
    const zeroChairs = mean(chairsResults.map((p) => p.zero));
    const zeroValidation = mean(validationResults.map((p) => p.zero));
    const zeroLarge = mean(largeResults.map((p) => p.zero));

    const speedRows = speed.map((s) => [s.variant.name, s.parameters / 1e6, s.ms, s.stacksPerSecond, s.stacksPerSecond * (s.variant.frames - 1)]);
    const summary = (results: PairResult[]) => {
      const row = epeRows(results).at(-1) as (string | number)[];
      row[0] = `mean of ${results.length} pairs`;
      return row;
    };
    const setup = `MotionNet: ${setupOf}; ${pretraining}${losses.length > 0 ? `; loss ${losses[0]?.toFixed(3)} -> ${losses.at(-1)?.toFixed(3)}` : ''}. TV-L1: @trajectorynet/tvl1-flow defaults (preset 'accurate', its most accurate).`;
    return {
      tables: [
        comparisonTable(pytorch),
        {
          title: 'MotionNet forward speed (batch 1)',
          columns: ['variant', 'params (M)', 'ms per stack', 'stacks/s', 'flow fields/s'],
          rows: speedRows,
          note: 'A stack of n+1 frames gives n flow fields (plus their coarser scales).',
        },
        {
          title: 'FlyingChairs end-point error (512x384): MotionNet after the pretraining recipe vs TV-L1 and zero flow',
          columns: EPE_COLUMNS,
          rows: epeRows(chairsResults),
          note: `${setup} MotionNet runs at ${recipe.inferenceScale} x the frames' size (predictFlow scale).`,
        },
        {
          title: `Procedural validation set (${validationCount} pairs at ${inputWidth}x${inputHeight}, never trained on): end-point error`,
          columns: EPE_COLUMNS,
          rows: [summary(validationResults)],
          note: "The generator's default settings (those of the unsupervised phase), validation seeds; MotionNet at scale 1.",
        },
        {
          title: `Procedural pairs at FlyingChairs' size (${largeCount} pairs at 512x384, never trained on): end-point error`,
          columns: EPE_COLUMNS,
          rows: [summary(largeResults)],
          note: `The generator's default settings at 512x384 (motions up to 12% of the shorter side: 46 px), validation seeds, never trained on; MotionNet at ${recipe.inferenceScale} x, as on FlyingChairs: sixteen scenes with the true flow of every pixel, next to FlyingChairs' three.`,
        },
        ...(others.length > 0
          ? [
              {
                title: 'Other pretraining runs on the same pairs: MotionNet end-point error (mean)',
                columns: ['run', 'supervision', 'FlyingChairs EPE', 'FlyingChairs / zero', 'procedural EPE', 'procedural / zero', '512x384 procedural EPE', '512x384 / zero'],
                rows: others.map((o) => {
                  const settings = o.settings as { supervision?: string; supervisedFrom?: number };
                  const supervision = settings.supervision === 'flow' ? 'flow' : settings.supervisedFrom != null ? `flow from step ${settings.supervisedFrom}` : 'none';
                  return [o.run, supervision, o.chairs, o.chairs / zeroChairs, o.validation, o.validation / zeroValidation, o.large, o.large / zeroLarge];
                }),
                note: `Loaded with --motionnet-checkpoint; FlyingChairs and the 512x384 pairs at scale ${recipe.inferenceScale}, the ${inputWidth}x${inputHeight} pairs at scale 1, as above.`,
              },
            ]
          : []),
        ...(stacked.length > 0
          ? [
              {
                title: 'Stacked MotionNet runs (MotionNet-(N)): end-point error over every consecutive pair of procedural validation sequences',
                columns: ['run', 'frames', 'size', 'sequences', 'MotionNet EPE', 'TV-L1 EPE', 'zero-flow EPE', 'MotionNet / zero', 'TV-L1 / zero'],
                rows: stacked.map((r) => [r.run, r.frames, r.size, r.sequences, r.mean.motionnet, r.mean.tvl1, r.mean.zero, r.mean.motionnet / r.mean.zero, r.mean.tvl1 / r.mean.zero]),
                note: "Loaded with --motionnet-checkpoint: the generator's default settings at the run's own size, validation seeds (never trained on); one pass of the network gives the N - 1 flows of a sequence; TV-L1 (its defaults) and zero flow on the same pairs. FlyingChairs has two frames, so a stacked network is not run on it.",
              },
            ]
          : []),
      ],
      charts: {
        'motionnet-speed.svg': barChart(
          speed.map((s) => ({ group: s.variant.name, bars: [{ name: 'stacks/s', value: s.stacksPerSecond }] })),
          { title: 'MotionNet forward stacks/s', yLabel: 'stacks/s' },
        ),
        'motionnet-epe.svg': barChart(
          [...chairsResults, meanResult(`procedural ${inputWidth}x${inputHeight} (mean)`, validationResults), meanResult('procedural 512x384 (mean)', largeResults)].map((p) => ({
            group: p.name,
            bars: [
              { name: 'MotionNet', value: p.motionnet },
              { name: 'TV-L1', value: p.tvl1 },
              { name: 'zero flow', value: p.zero },
            ],
          })),
          { title: 'End-point error (lower is better)', yLabel: 'EPE (px)' },
        ),
      },
      data: { pytorch, speed, recipe, training, trainWallSeconds, trainCpuSeconds, pretraining, losses, chairs: chairsResults, validation: validationResults, large: largeResults, others, stacked },
    };
  },
};
