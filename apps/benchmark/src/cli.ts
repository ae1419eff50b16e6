#!/usr/bin/env node
/** `pnpm bench`: runs the benchmark suites and writes report.md, results.json and SVG charts. */
import path from 'node:path';
import { Command, Option } from 'commander';
import { initBackend } from '@trajectorynet/runtime';
import { machineInfo } from './machine.js';
import { type SuiteOutcome, writeResults } from './report.js';
import { STUDY_MODELS } from './suites/accuracy.js';
import { SUITES } from './suites/index.js';

const program = new Command()
  .name('trajectorynet-bench')
  .description('Measure TrajectoryNet: op speed, flow, MotionNet, models, cost scaling and an accuracy study.')
  .option('--quick', 'reduced sizes and repetitions (checks that every suite runs; not for quoting)', false)
  .addOption(new Option('--suite <name...>', 'run only these suites').choices(SUITES.map((s) => s.name)))
  .option('--out <dir>', 'results folder', 'bench-results')
  .addOption(new Option('--backend <name>', 'tfjs backend').choices(['tensorflow', 'wasm', 'cpu']))
  .option('--motionnet-checkpoint <run...>', 'motionnet suite: evaluate this pretraining run (folder or .ckpt) instead of running the recipe (about an hour of CPU); further runs are compared on the same pairs')
  .option('--accuracy-seeds <n>', 'accuracy suite: number of paired seeds (default 5)', Number)
  .option('--accuracy-epochs <n>', 'accuracy suite: epochs per model (default 24)', Number)
  .option('--accuracy-clips <n>', 'accuracy suite: training clips per class (default 16)', Number)
  .option('--accuracy-val-clips <n>', 'accuracy suite: validation clips per class (default 50: 400 clips)', Number)
  .addOption(new Option('--accuracy-models <key...>', 'accuracy suite: models (default c2d s3d tn-true tn-tvl1)').choices(STUDY_MODELS.map((m) => m.key)))
  .addOption(new Option('--accuracy-sampling <kind...>', 'accuracy suite: clip sampling (default dense)').choices(['dense', 'segment']))
  .option('--accuracy-only-seeds <n...>', 'accuracy suite: train only these seeds (another process may train the others in the same --out)', (value: string, list: number[] = []) => [...list, Number(value)])
  .option('--accuracy-report-only', 'accuracy suite: report the runs already finished in --out, train nothing', false)
  .option('--accuracy-motionnet <checkpoint>', 'accuracy suite: a pretrain-motionnet checkpoint the MotionNet models start from')
  .addHelpText(
    'after',
    `\nSuites:\n${SUITES.map((s) => `  ${s.name.padEnd(10)} ${s.description}`).join('\n')}\n\nExamples:\n  pnpm bench --quick\n  pnpm bench --suite ops flow --out results/today
  pnpm bench --suite accuracy --accuracy-seeds 5 --accuracy-sampling dense segment --out results/study`,
  )
  .action(async (options: { quick: boolean; suite?: string[]; out: string; backend?: 'tensorflow' | 'wasm' | 'cpu'; motionnetCheckpoint?: string[]; accuracySeeds?: number; accuracyEpochs?: number; accuracyClips?: number; accuracyValClips?: number; accuracyModels?: string[]; accuracySampling?: string[]; accuracyMotionnet?: string; accuracyReportOnly: boolean; accuracyOnlySeeds?: number[] }) => {
    await initBackend({ prefer: 'cpu', log: null }); // the reference some suites compare against
    await initBackend({ prefer: options.backend, log: (m) => console.error(m) });
    const outDir = path.resolve(options.out);
    const selected = SUITES.filter((s) => options.suite == null || options.suite.includes(s.name));
    const command = `pnpm bench ${process.argv.slice(2).join(' ')}`.trim();
    const outcomes: SuiteOutcome[] = [];
    for (const suite of selected) {
      const started = Date.now();
      console.error(`[${suite.name}] ${suite.description}`);
      try {
        const result = await suite.run({
          quick: options.quick,
          outDir,
          progress: (m) => console.error(`[${suite.name}] ${m}`),
          motionnetCheckpoint: options.motionnetCheckpoint,
          accuracy: {
            seeds: options.accuracySeeds,
            epochs: options.accuracyEpochs,
            clips: options.accuracyClips,
            valClips: options.accuracyValClips,
            models: options.accuracyModels,
            sampling: options.accuracySampling,
            motionnetCheckpoint: options.accuracyMotionnet,
            reportOnly: options.accuracyReportOnly,
            onlySeeds: options.accuracyOnlySeeds,
          },
        });
        outcomes.push({ name: suite.name, description: suite.description, seconds: (Date.now() - started) / 1000, result });
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        console.error(`[${suite.name}] FAILED: ${message}`);
        outcomes.push({ name: suite.name, description: suite.description, seconds: (Date.now() - started) / 1000, error: message });
      }
      await writeResults(outDir, outcomes, machineInfo(), command); // after each suite, so a crash keeps what was measured
    }
    console.error(`report: ${path.join(outDir, 'report.md')}`);
    if (outcomes.some((o) => o.error != null)) process.exitCode = 1;
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
