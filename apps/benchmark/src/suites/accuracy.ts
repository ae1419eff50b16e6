/**
 * The paper's question at CPU scale: on the synthetic motion dataset (class =
 * motion only, objects moving about one res3 cell per frame), does trajectory
 * convolution beat S3D's temporal convolution, and do better trajectories help
 * more? Controls: C2D (no temporal modelling), S3D, TrajectoryNet with the
 * generator's true motion (the oracle), with TV-L1 and with jointly trained
 * MotionNet, each with and without the motion representation; dense and
 * segment sampling.
 *
 * Paired design: for one seed every model sees the same training and
 * validation clips in the same order and is initialised from the same seed
 * (layers are drawn in build order, so weights agree only up to the first
 * layer where the architectures differ); per-seed differences against S3D
 * cancel the data's share of the seed's luck. Runs are
 * seed-major and resumable: a stopped study still compares every model on the
 * seeds it finished. Scores are the last epoch's, validated once at the end
 * (no choice of the best epoch on the reported set).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileDurable } from '@trajectorynet/core/node';
import {
  barChart,
  type EpochRecord,
  evaluateCheckpoint,
  formatInterval,
  loadMotionNet,
  METRICS,
  meanInterval,
  motionNetFrames,
  pairedDifference,
  parseMetrics,
  regimeOverrides,
  resolveConfig,
  runTraining,
  SYNTHETIC_REGIMES,
  type SyntheticRegimeName,
} from '@trajectorynet/training';
import type { Suite, Table } from '../suite.js';
import { alignmentMeasure, FROZEN_MOTIONNETS, qualityChart, qualityPoints, qualityTable } from './quality-curve.js';
import { type MotionNetSource, motionNetInputFrames, type RegimeFlowQuality, regimeFlowQuality, regimeFlowTable } from './regime-flow.js';
import { foldJointErrors, jointMotionNets } from './joint-motionnet.js';
import { regimeMotionNet } from './regime-motionnet.js';
import { type LabelFactors, labelFactors, labelFactorTable } from './label-factors.js';
import { alignmentTable, stageAlignment } from './stage-alignment.js';


export interface StudyModel {
  key: string;
  name: string;
  overrides: string[];
  /**
   * The pretrained MotionNet it starts from: the one given (--accuracy-motionnet), or one the suite
   * pretrains on the regime's videos (regime-motionnet.ts): pairwise, or stacked over the clip's span.
   */
  motionnet?: 'given' | 'videos' | 'videos-stacked';
}

export const STUDY_MODELS: StudyModel[] = [
  { key: 'c2d', name: 'C2D', overrides: ['model.variant=c2d'] },
  { key: 's3d', name: 'S3D', overrides: ['model.variant=s3d'] },
  { key: 'tn-true', name: 'TrajectoryNet (true motion)', overrides: ['model.variant=trajectorynet', 'model.trajectorySource=groundtruth'] },
  // the trajectory-quality curve: the oracle degraded by a smooth error of 1, 2 and 4 px per component (at 64x64)
  ...[1, 2, 4].map((noise) => ({ key: `tn-true-noise${noise}`, name: `TrajectoryNet (true motion + ${noise} px error)`, overrides: ['model.variant=trajectorynet', 'model.trajectorySource=groundtruth', `model.trajectoryNoise=${noise}`] })),
  // a diagnostic: the object's true translation only, so the sampled features keep its spin (what perfect alignment removes)
  { key: 'tn-true-translation', name: 'TrajectoryNet (true translation, no spin)', overrides: ['model.variant=trajectorynet', 'model.trajectorySource=groundtruth', 'model.trajectorySpin=false'] },
  { key: 'tn-true-motion', name: 'TrajectoryNet (true motion) + motion', overrides: ['model.variant=trajectorynet', 'model.trajectorySource=groundtruth', 'model.withMotion=true'] },
  { key: 'tn-tvl1', name: 'TrajectoryNet (TV-L1)', overrides: ['model.variant=trajectorynet', 'model.trajectorySource=tvl1'] },
  { key: 'tn-tvl1-motion', name: 'TrajectoryNet (TV-L1) + motion', overrides: ['model.variant=trajectorynet', 'model.trajectorySource=tvl1', 'model.withMotion=true'] },
  // MotionNet: the pairwise network `pretrain-motionnet procedural` trains (--accuracy-motionnet) on each consecutive pair of the clip's span; frozen, its flows are cached like TV-L1's
  { key: 'tn-motionnet-frozen', name: 'TrajectoryNet (MotionNet, frozen)', overrides: ['model.variant=trajectorynet', 'model.trajectorySource=motionnet-frozen'], motionnet: 'given' },
  { key: 'tn-motionnet', name: 'TrajectoryNet (MotionNet, joint)', overrides: ['model.variant=trajectorynet', 'model.trajectorySource=motionnet', 'motionnet.frames=2'], motionnet: 'given' },
  { key: 'tn-motionnet-motion', name: 'TrajectoryNet (MotionNet, joint) + motion', overrides: ['model.variant=trajectorynet', 'model.trajectorySource=motionnet', 'motionnet.frames=2', 'model.withMotion=true'], motionnet: 'given' },
  // the same, from a MotionNet pretrained without labels on the regime's own videos (another generator seed), as the paper pretrains on the target dataset
  { key: 'tn-motionnet-videos-frozen', name: 'TrajectoryNet (MotionNet pretrained on the videos, frozen)', overrides: ['model.variant=trajectorynet', 'model.trajectorySource=motionnet-frozen'], motionnet: 'videos' },
  { key: 'tn-motionnet-videos', name: 'TrajectoryNet (MotionNet pretrained on the videos, joint)', overrides: ['model.variant=trajectorynet', 'model.trajectorySource=motionnet', 'motionnet.frames=2'], motionnet: 'videos' },
  // joint with MotionNet at a tenth of the classifier's learning rate (mmaction2's lr_mult convention for a pretrained part; chosen before any run)
  {
    key: 'tn-motionnet-videos-slow',
    name: 'TrajectoryNet (MotionNet pretrained on the videos, joint at 0.1x lr)',
    overrides: ['model.variant=trajectorynet', 'model.trajectorySource=motionnet', 'motionnet.frames=2', 'motionnet.lrScale=0.1'],
    motionnet: 'videos',
  },
  // the paper's TrajectoryNet-MotionNet-(N): one MotionNet over the clip's whole span and the frame after it (16 frames for
  // 8 frames every second one), pretrained on the regime's videos, then joint with its unsupervised loss as an auxiliary term;
  // at 0.1x lr, chosen from the pairwise joint runs' training loss alone (at the full rate MotionNet's own loss rose from 0.31
  // to 5.0 within 6 epochs, at 0.1x it stayed near 0.21), before any stacked run and without their validation accuracy
  {
    key: 'tn-motionnet-stacked',
    name: 'TrajectoryNet-MotionNet-(16) (pretrained on the videos, joint at 0.1x lr)',
    overrides: ['model.variant=trajectorynet', 'model.trajectorySource=motionnet', 'motionnet.lrScale=0.1'],
    motionnet: 'videos-stacked',
  },
  // its control: the same network from the same pretrained MotionNet-(N), but MotionNet not trained (0x lr): the classifier
  // learns on flows that stay the pretrained ones, so the difference to the joint model is what training MotionNet with it buys
  {
    key: 'tn-motionnet-stacked-fixed',
    name: 'TrajectoryNet-MotionNet-(16) (pretrained on the videos, MotionNet not trained: 0x lr)',
    overrides: ['model.variant=trajectorynet', 'model.trajectorySource=motionnet', 'motionnet.lrScale=0'],
    motionnet: 'videos-stacked',
  },
  {
    key: 'tn-motionnet-stacked-motion',
    name: 'TrajectoryNet-MotionNet-(16) (pretrained on the videos, joint at 0.1x lr) + motion',
    overrides: ['model.variant=trajectorynet', 'model.trajectorySource=motionnet', 'motionnet.lrScale=0.1', 'model.withMotion=true'],
    motionnet: 'videos-stacked',
  },
];

export type Sampling = 'dense' | 'segment';

export interface StudyBudget {
  seeds: number;
  epochs: number;
  /** Training and validation clips per class (8 classes). */
  trainClips: number;
  valClips: number;
  /** Frames rendered per synthetic video (longer than the 8-frame clip, so that the samplings differ). */
  videoFrames: number;
  models: string[];
  sampling: Sampling[];
  /** The synthetic motion regime (SYNTHETIC_REGIMES): hard, or trackable by computed flow. */
  regime: SyntheticRegimeName;
}

const FULL: StudyBudget = { seeds: 5, epochs: 36, trainClips: 16, valClips: 50, videoFrames: 16, models: ['c2d', 's3d', 'tn-true', 'tn-tvl1'], sampling: ['dense'], regime: 'hard' };
const QUICK: StudyBudget = { seeds: 1, epochs: 1, trainClips: 1, valClips: 1, videoFrames: 10, models: ['s3d', 'tn-true'], sampling: ['dense'], regime: 'hard' };

/** The run's config overrides: the tiny preset's training, the study's data, one seed for data and initialisation. */
export function studyOverrides(model: StudyModel, budget: StudyBudget, sampling: Sampling, seed: number): string[] {
  const regime = SYNTHETIC_REGIMES[budget.regime];
  return [
    ...model.overrides,
    ...regimeOverrides(budget.regime),
    `data.syntheticFrames=${budget.videoFrames}`,
    `data.frameInterval=${sampling === 'dense' ? regime.denseInterval : 0}`,
    `data.trainClipsPerClass=${budget.trainClips}`,
    `data.valClipsPerClass=${budget.valClips}`,
    `train.epochs=${budget.epochs}`,
    `train.validateEvery=${budget.epochs}`,
    `train.seed=${seed}`,
  ];
}

/** The epoch records of a run that finished all `epochs` (its eval.json written), or null. */
async function finishedRun(runDir: string, epochs: number): Promise<EpochRecord[] | null> {
  const metrics = path.join(runDir, METRICS);
  if (!existsSync(path.join(runDir, 'eval.json')) || !existsSync(metrics)) return null;
  const records = parseMetrics(await readFile(metrics, 'utf8'), metrics).filter((r): r is EpochRecord & { kind: 'epoch' } => r.kind === 'epoch');
  return records.at(-1)?.epoch === epochs ? records : null;
}

/**
 * How well the finished run fits its training clips: top-1 of latest.ckpt on
 * the training split in eval mode (no dropout, BatchNorm's running
 * statistics, the test view), the study's convergence criterion. The running
 * top-1 of the last epoch mixes in augmentation, dropout and the weights of
 * the whole epoch. Written once to train-fit.json, read back after.
 */
async function trainingFit(runDir: string, cacheDir: string, epochs: number): Promise<number> {
  const file = path.join(runDir, 'train-fit.json');
  // kept only for the same run: a folder trained again to another budget is evaluated again
  const saved = existsSync(file) ? (JSON.parse(await readFile(file, 'utf8')) as { top1: number; epochs?: number }) : null;
  if (saved?.epochs === epochs) return saved.top1;
  const report = await evaluateCheckpoint(path.join(runDir, 'latest.ckpt'), { split: 'train', cacheDir, quiet: true });
  await writeFileDurable(file, `${JSON.stringify({ checkpoint: 'latest.ckpt', epochs, split: 'train', top1: report.top1, clips: report.clips }, null, 2)}\n`);
  return report.top1;
}

/** The direction / spin split of the run's eval.json (validation only at the last epoch: best.ckpt is the last epoch's). */
async function evaluationFactors(runDir: string): Promise<LabelFactors | null> {
  const file = path.join(runDir, 'eval.json');
  if (!existsSync(file)) return null;
  const report = JSON.parse(await readFile(file, 'utf8')) as { confusion: number[][]; perClass: { label: string }[] };
  return labelFactors(report.confusion, report.perClass.map((c) => c.label));
}

interface RunResult {
  model: string;
  sampling: Sampling;
  seed: number;
  valTop1: number;
  /** Last epoch's running top-1 (training mode, augmented). */
  trainTop1: number;
  /** Eval-mode top-1 on the training clips (trainingFit). */
  trainFit: number;
  /** The last evaluation's top-1 split into direction and spin (null without eval.json). */
  factors: LabelFactors | null;
  seconds: number;
  clipsPerSecond: number;
}

export const accuracySuite: Suite = {
  name: 'accuracy',
  description: 'C2D vs S3D vs TrajectoryNet (true motion, TV-L1, MotionNet; with/without motion) on the synthetic motion dataset: paired seeds, 95% intervals',
  async run({ quick, outDir, progress, accuracy }) {
    const base = quick ? QUICK : FULL;
    const budget: StudyBudget = {
      ...base,
      seeds: accuracy?.seeds ?? base.seeds,
      epochs: accuracy?.epochs ?? base.epochs,
      trainClips: accuracy?.clips ?? base.trainClips,
      valClips: accuracy?.valClips ?? base.valClips,
      models: accuracy?.models ?? base.models,
      sampling: (accuracy?.sampling as Sampling[] | undefined) ?? base.sampling,
      regime: accuracy?.regime ?? base.regime,
    };
    // the trackable regime samples every second frame: its videos are longer (the quick run keeps its own)
    if (!quick && budget.regime !== 'hard') budget.videoFrames = SYNTHETIC_REGIMES[budget.regime].videoFrames;
    if (quick && budget.regime !== 'hard') budget.videoFrames = Math.max(budget.videoFrames, 7 * SYNTHETIC_REGIMES[budget.regime].denseInterval + 1);
    // runs of the default regime keep their folders; another regime's runs get their own
    const studyDir = budget.regime === 'hard' ? path.join(outDir, 'accuracy') : path.join(outDir, 'accuracy', budget.regime);
    const models = budget.models.map((key) => {
      const model = STUDY_MODELS.find((m) => m.key === key);
      if (model == null) throw new Error(`unknown study model '${key}' (known: ${STUDY_MODELS.map((m) => m.key).join(', ')})`);
      return model;
    });
    if (accuracy?.motionnetCheckpoint == null && budget.models.includes('tn-motionnet-frozen')) {
      throw new Error('tn-motionnet-frozen keeps a pretrained MotionNet fixed: give --accuracy-motionnet <pretrain-motionnet run> (a pairwise one, e.g. `trajectorynet pretrain-motionnet procedural --size 64`)');
    }
    // the MotionNet pretrained on the regime's videos, trained here first when a model needs it (one process: start the others after it)
    const videosMotionNet = models.some((m) => m.motionnet === 'videos')
      ? await regimeMotionNet(budget.regime, path.join(studyDir, 'motionnet-videos'), { quick, videoFrames: budget.videoFrames, train: !accuracy?.reportOnly, log: progress })
      : null;
    // the stacked one takes the study clip's span and the frame after it
    const stackedModel = models.find((m) => m.motionnet === 'videos-stacked');
    const stackedFrames = stackedModel == null ? null : motionNetFrames(await resolveConfig({ preset: 's3d-r18-tiny', overrides: studyOverrides(stackedModel, budget, 'dense', 1) }));
    const stackedMotionNet =
      stackedFrames == null
        ? null
        : await regimeMotionNet(budget.regime, path.join(studyDir, `motionnet-videos-${stackedFrames}`), { quick, frames: stackedFrames, videoFrames: budget.videoFrames, train: !accuracy?.reportOnly, log: progress });
    const checkpoints = { given: accuracy?.motionnetCheckpoint ?? null, videos: videosMotionNet, 'videos-stacked': stackedMotionNet };
    const results: RunResult[] = [];
    const started = Date.now();
    // seed-major: every model gets seed 1 before any gets seed 2
    for (let seed = 1; seed <= budget.seeds; seed++) {
      // onlySeeds: this process trains some seeds (several processes can share one study folder), reports all finished
      const trains = accuracy?.onlySeeds == null || accuracy.onlySeeds.includes(seed);
      for (const sampling of budget.sampling) {
        for (const model of models) {
          progress(`${model.name}, ${sampling} sampling, seed ${seed}/${budget.seeds}`);
          const overrides = studyOverrides(model, budget, sampling, seed);
          const checkpoint = model.motionnet != null ? checkpoints[model.motionnet] : null;
          if (checkpoint != null) overrides.push(`motionnet.pretrained=${checkpoint}`);
          else if (model.motionnet === 'videos' || model.motionnet === 'videos-stacked') continue;
          const config = await resolveConfig({ preset: 's3d-r18-tiny', overrides });
          const runDir = path.join(studyDir, `${model.key}-${sampling}-seed${seed}`);
          const cacheDir = path.join(outDir, 'accuracy', '.cache');
          // a finished run is read back, not evaluated again; reportOnly never trains
          let history = await finishedRun(runDir, budget.epochs);
          let seconds = history?.reduce((sum, r) => sum + r.seconds, 0) ?? 0;
          if (history == null) {
            if (accuracy?.reportOnly || !trains) continue;
            const summary = await runTraining(config, { outDir: runDir, cacheDir, resume: true, quiet: true, log: () => {} });
            history = summary.state.history;
            seconds = summary.seconds;
          }
          const last = history.at(-1);
          const trainSeconds = history.reduce((sum, r) => sum + r.seconds, 0);
          results.push({
            model: model.key,
            sampling,
            seed,
            valTop1: last?.val?.top1 ?? Number.NaN,
            trainTop1: last?.train.top1 ?? Number.NaN,
            trainFit: await trainingFit(runDir, cacheDir, history.length),
            factors: await evaluationFactors(runDir),
            seconds,
            clipsPerSecond: trainSeconds > 0 ? (budget.trainClips * 8 * history.length) / trainSeconds : 0,
          });
        }
      }
    }
    const report = studyReport(results, models, budget, (Date.now() - started) / 1000);
    // what the trajectories are worth in each regime, next to what they buy
    progress('TV-L1 end-point error per regime');
    const motionNets: MotionNetSource[] = [];
    if (checkpoints.given != null) motionNets.push({ name: FROZEN_MOTIONNETS['tn-motionnet-frozen'], model: (await loadMotionNet(checkpoints.given)).model });
    if (checkpoints.videos != null) motionNets.push({ name: FROZEN_MOTIONNETS['tn-motionnet-videos-frozen'], model: (await loadMotionNet(checkpoints.videos)).model });
    if (stackedMotionNet != null) motionNets.push({ name: `MotionNet-(${stackedFrames}) (pretrained on the videos)`, model: (await loadMotionNet(stackedMotionNet)).model });
    // and what joint training made of them, on the study's own regime
    const joint = await jointMotionNets(results, studyDir);
    const flowQuality: RegimeFlowQuality[] = [];
    let jointTable: Table | null = null;
    for (const regime of ['hard', 'trackable'] as const) {
      const measured = await regimeFlowQuality(regime, quick ? 1 : 4, { motionNets: regime === budget.regime ? [...motionNets, ...joint.sources] : motionNets });
      const folded = foldJointErrors(measured);
      flowQuality.push(folded.quality);
      jointTable ??= folded.table;
    }
    joint.dispose();
    progress('trajectory alignment at the feature maps');
    const alignmentClips = quick ? 1 : 4;
    // (pairwise networks: the alignment measure solves single pairs)
    const alignmentRows = await stageAlignment(
      budget.regime,
      alignmentClips,
      motionNets.filter(({ model }) => motionNetInputFrames(model) === 2),
    );
    const alignment = alignmentTable(alignmentRows, budget.regime, alignmentClips * 8);
    for (const { model } of motionNets) model.dispose();
    // better trajectories, higher accuracy? (dense sampling: the errors are per video frame of that pipeline)
    const quality = flowQuality.find((q) => q.regime === budget.regime);
    const points = quality == null ? [] : qualityPoints(results.filter((r) => r.sampling === 'dense'), quality);
    // and against alignment at res3, where the network samples
    const aligned = qualityPoints(
      results.filter((r) => r.sampling === 'dense'),
      alignmentMeasure(alignmentRows, budget.regime),
    );
    const curve: { tables: Table[]; charts: Record<string, string> } =
      points.length >= 2
        ? {
            tables: [qualityTable(points, budget.regime)],
            charts: {
              'accuracy-quality.svg': qualityChart(points, budget.regime),
              'accuracy-alignment.svg': qualityChart(aligned, budget.regime, 'res3 alignment error, aligned / unaligned (zero offsets = 1)'),
            },
          }
        : { tables: [], charts: {} };
    return {
      ...report,
      tables: [...report.tables, regimeFlowTable(flowQuality), ...(jointTable != null ? [jointTable] : []), ...curve.tables, alignment],
      charts: { ...report.charts, ...curve.charts },
      data: { ...report.data, flowQuality, qualityCurve: points },
    };
  },
};

/** Tables (per sampling: mean and interval per model, paired differences against S3D) and the chart. */
export function studyReport(results: RunResult[], models: StudyModel[], budget: StudyBudget, wallSeconds: number) {
  const tables: Table[] = [];
  const groups = [];
  for (const sampling of budget.sampling) {
    const of = (key: string) => results.filter((r) => r.model === key && r.sampling === sampling).sort((a, b) => a.seed - b.seed);
    const s3d = of('s3d');
    const rows: (string | number)[][] = [];
    for (const model of models) {
      const runs = of(model.key);
      if (runs.length === 0) continue; // not run with this sampling
      const val = runs.map((r) => r.valTop1);
      const interval = meanInterval(val);
      // paired only on the seeds both finished
      const shared = runs.filter((r) => s3d.some((s) => s.seed === r.seed));
      const versus = model.key === 's3d' || shared.length === 0 ? null : pairedDifference(
        shared.map((r) => r.valTop1),
        shared.map((r) => s3d.find((s) => s.seed === r.seed)?.valTop1 ?? Number.NaN),
      );
      const wins = versus == null ? '' : `${shared.filter((r) => r.valTop1 > (s3d.find((s) => s.seed === r.seed)?.valTop1 ?? 1)).length}/${shared.length}`;
      rows.push([
        model.name,
        runs.length,
        formatInterval(interval),
        versus == null ? '' : formatInterval(versus, true),
        wins,
        formatInterval(meanInterval(runs.map((r) => r.trainTop1))),
        `${formatInterval(meanInterval(runs.map((r) => r.trainFit)))} (min ${(Math.min(...runs.map((r) => r.trainFit)) * 100).toFixed(1)})`,
        (runs.reduce((a, r) => a + r.clipsPerSecond, 0) / Math.max(1, runs.length)).toFixed(1),
        val.map((v) => (v * 100).toFixed(1)).join(', '),
      ]);
      groups.push({ group: `${model.name}${budget.sampling.length > 1 ? ` (${sampling})` : ''}`, bars: [{ name: 'val top-1 %', value: interval.mean * 100, error: Number.isNaN(interval.halfWidth) ? 0 : interval.halfWidth * 100 }] });
    }
    tables.push({
      title: `${budget.regime} regime, ${sampling} sampling: ${budget.trainClips * 8} training and ${budget.valClips * 8} validation clips (8 classes, chance 12.5%), ${budget.epochs} epochs, up to ${budget.seeds} paired seeds`,
      columns: ['model', 'seeds', 'val top-1 % (mean ± 95% CI)', 'minus S3D, paired (± 95% CI)', 'seeds above S3D', 'last-epoch train top-1 % (running)', 'training-set top-1 % (eval mode)', 'train clips/s', 'per seed'],
      rows,
      note: `${budget.regime} regime: ${SYNTHETIC_REGIMES[budget.regime].description}. Tiny ResNet-18 (width 1/8), 8x64x64 clips from ${budget.videoFrames}-frame videos, Adam, the same budget for every model; last-epoch validation (no best-epoch selection). Intervals: Student t over seeds. Training time summed over these runs: ${(results.filter((r) => r.sampling === sampling).reduce((sum, r) => sum + r.seconds, 0) / 60).toFixed(0)} min; this process: ${(wallSeconds / 60).toFixed(1)} min.`,
    });
  }
  for (const sampling of budget.sampling) {
    const factors = models.map((model) => ({
      name: model.name,
      factors: results.filter((r) => r.model === model.key && r.sampling === sampling && r.factors != null).map((r) => r.factors as LabelFactors),
    }));
    if (factors.some((f) => f.factors.length > 0)) tables.push(labelFactorTable(factors, `${budget.regime} regime, ${sampling} sampling: validation top-1 split into the direction and the spin`));
  }
  const chart = barChart(groups, { title: 'Validation top-1 (mean and 95% interval over paired seeds)', yLabel: '%' });
  return { tables, charts: { 'accuracy.svg': chart }, data: { budget, results, wallSeconds } };
}
