#!/usr/bin/env node
/** `trajectorynet-bench`: runs the benchmark suites and writes report.md, results.json and SVG charts. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { describeError, EXIT_CODES, exitCodeFor } from '@trajectorynet/core';
import { initBackend } from '@trajectorynet/runtime';
import type { SyntheticRegimeName } from '@trajectorynet/training';
import { checkDataDir, DATA_FILES, resolveDataDir } from './data.js';
import { machineInfo } from './machine.js';
import { rateBytesPerSecond } from './netns.js';
import { type SuiteOutcome, writeResults } from './report.js';
import { STUDY_MODELS } from './suites/accuracy.js';
import { SUITES } from './suites/index.js';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`a positive integer, got '${value}'`);
  return n;
}

/** A tbf rate (10gbit, 500mbit) or 'none', collected into a list. */
function tbfRate(value: string, list: string[] | undefined): string[] {
  if (value !== 'none') {
    try {
      rateBytesPerSecond(value);
    } catch (error) {
      throw new InvalidArgumentError((error as Error).message);
    }
  }
  return [...(list ?? []), value];
}

const program = new Command()
  .name('trajectorynet-bench')
  .description('Measure TrajectoryNet: op speed, flow, MotionNet, models, cost scaling and an accuracy study.')
  .version(version)
  .exitOverride()
  .option('--quick', 'reduced sizes and repetitions (checks that every suite runs; not for quoting)', false)
  .addOption(new Option('--suite <name...>', 'run only these suites').choices(SUITES.map((s) => s.name)))
  .option('--out <dir>', 'results folder', 'bench-results')
  .option('--data <dir>', 'the test data folder of the video, flow and motionnet suites (default: env TRAJECTORYNET_DATA, else ../shared/data beside a repository checkout)')
  .addOption(new Option('--backend <name>', 'tfjs backend').choices(['tensorflow', 'wasm', 'cpu']))
  .option('--motionnet-checkpoint <run...>', 'motionnet suite: evaluate this pretraining run (folder or .ckpt) instead of running the recipe (about an hour of CPU); further runs are compared on the same pairs')
  .option('--distributed-batch <n>', 'distributed suite: clips per rank per micro-batch (default 1; the 2-thread process then trains 2x as many per step, the same global batch)', positiveInteger)
  .option('--distributed-steps <n>', 'distributed suite: timed steps per configuration, after a warm-up step (default 5)', positiveInteger)
  .option('--distributed-accumulate <k>', 'distributed suite: micro-batches per step in the gradient-accumulation rows across namespaces (default 2; 1 leaves them out)', positiveInteger)
  .option('--distributed-rates <rate...>', "distributed suite: tbf rate limits of the veth link between two network namespaces (default 10gbit 1gbit; 'none' skips the namespaces)", tbfRate)
  .option('--motionnet-pytorch-only', 'motionnet suite: only the training-step and inference comparison with PyTorch (no forward-speed table, pretraining or EPE)', false)
  .option('--accuracy-seeds <n>', 'accuracy suite: number of paired seeds (default 5)', Number)
  .option('--accuracy-epochs <n>', 'accuracy suite: epochs per model (default 36: every temporal model then fits at least 90% of its training clips)', Number)
  .option('--accuracy-clips <n>', 'accuracy suite: training clips per class (default 16)', Number)
  .option('--accuracy-val-clips <n>', 'accuracy suite: validation clips per class (default 50: 400 clips)', Number)
  .addOption(new Option('--accuracy-models <key...>', 'accuracy suite: models (default c2d s3d tn-true tn-tvl1)').choices(STUDY_MODELS.map((m) => m.key)))
  .addOption(new Option('--accuracy-sampling <kind...>', 'accuracy suite: clip sampling (default dense)').choices(['dense', 'segment']))
  .option('--accuracy-only-seeds <n...>', 'accuracy suite: train only these seeds (another process may train the others in the same --out)', (value: string, list: number[] = []) => [...list, Number(value)])
  .option('--accuracy-report-only', 'accuracy suite: report the runs already finished in --out, train nothing', false)
  .addOption(new Option('--accuracy-regime <name>', 'accuracy suite: the synthetic motion regime (hard: computed flow fails; trackable: textured objects, slower motion, every second frame sampled)').choices(['hard', 'trackable']).default('hard'))
  .option('--accuracy-motionnet <checkpoint>', 'accuracy suite: a pretrain-motionnet checkpoint the MotionNet models start from')
  .addHelpText(
    'after',
    `\nSuites:\n${SUITES.map((s) => `  ${s.name.padEnd(10)} ${s.description}`).join('\n')}

The video, flow and motionnet suites read test data: a folder with ${DATA_FILES.join(', ')}
(mmaction2's test videos and frames, FlowNet2's FlyingChairs examples), given with --data.
Exit codes: 0 done, 1 a suite failed (its error is in the report) or a bug, 2 bad option.

Examples:
  trajectorynet-bench --quick --suite ops scaling
  trajectorynet-bench --suite ops flow --data ~/trajectorynet-data --out results/today
  trajectorynet-bench --suite distributed --distributed-batch 4 --distributed-rates 10gbit 1gbit --out results/dist
  trajectorynet-bench --suite accuracy --accuracy-seeds 5 --accuracy-sampling dense segment --out results/study
  trajectorynet-bench --suite accuracy --accuracy-regime trackable --accuracy-models s3d tn-true tn-tvl1 --out results/study`,
  )
  .action(async (options: { quick: boolean; suite?: string[]; out: string; data?: string; backend?: 'tensorflow' | 'wasm' | 'cpu'; motionnetCheckpoint?: string[]; motionnetPytorchOnly: boolean; distributedBatch?: number; distributedSteps?: number; distributedAccumulate?: number; distributedRates?: string[]; accuracySeeds?: number; accuracyEpochs?: number; accuracyClips?: number; accuracyValClips?: number; accuracyModels?: string[]; accuracySampling?: string[]; accuracyMotionnet?: string; accuracyReportOnly: boolean; accuracyOnlySeeds?: number[]; accuracyRegime: SyntheticRegimeName }) => {
    const selected = SUITES.filter((s) => options.suite == null || options.suite.includes(s.name));
    const dataDir = resolveDataDir(options.data);
    checkDataDir(dataDir, selected.filter((s) => s.needsData).map((s) => s.name));
    await initBackend({ prefer: 'cpu', log: null }); // the reference some suites compare against
    await initBackend({ prefer: options.backend, log: (m) => console.error(m) });
    const outDir = path.resolve(options.out);
    const command = `trajectorynet-bench ${process.argv.slice(2).join(' ')}`.trim();
    const outcomes: SuiteOutcome[] = [];
    for (const suite of selected) {
      const started = Date.now();
      console.error(`[${suite.name}] ${suite.description}`);
      try {
        const result = await suite.run({
          quick: options.quick,
          outDir,
          dataDir,
          progress: (m) => console.error(`[${suite.name}] ${m}`),
          motionnetCheckpoint: options.motionnetCheckpoint,
          motionnetPytorchOnly: options.motionnetPytorchOnly,
          distributed: { batch: options.distributedBatch, steps: options.distributedSteps, accumulate: options.distributedAccumulate, rates: options.distributedRates },
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
            regime: options.accuracyRegime,
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
    console.log(`report: ${path.join(outDir, 'report.md')}`);
    if (outcomes.some((o) => o.error != null)) process.exitCode = 1;
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof CommanderError) {
    // --help and --version end here too (exit 0); commander has printed the usage error
    process.exit(error.exitCode === 0 ? 0 : EXIT_CODES.input);
  }
  console.error(`trajectorynet-bench: ${describeError(error)}`);
  process.exit(exitCodeFor(error));
});
