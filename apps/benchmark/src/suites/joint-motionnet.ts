/**
 * The MotionNets that joint training leaves behind: each finished joint run's
 * MotionNet (from its last checkpoint), measured on the same test pairs as the
 * pretrained ones, so the report shows what training with the classifier did
 * to the flow, seed by seed and on average.
 */
import path from 'node:path';
import { LATEST, loadTrainedModel } from '@trajectorynet/training';
import type { Table } from '../suite.js';
import type { MotionNetSource, RegimeFlowQuality } from './regime-flow.js';

/** The joint study models, and the name their MotionNets carry in the tables and the quality curve. */
export const JOINT_MOTIONNETS: Record<string, string> = {
  'tn-motionnet': 'MotionNet (pretrained, joint)',
  'tn-motionnet-videos': 'MotionNet (pretrained on the videos, joint)',
  'tn-motionnet-videos-slow': 'MotionNet (pretrained on the videos, joint at 0.1x lr)',
  'tn-motionnet-stacked': 'MotionNet-(16) (pretrained on the videos, joint at 0.1x lr)',
};

const seedName = (model: string, seed: number) => `${JOINT_MOTIONNETS[model]}, seed ${seed}`;

/** Loads the MotionNet of every finished dense joint run; dispose() frees them. */
export async function jointMotionNets(runs: { model: string; sampling: string; seed: number }[], studyDir: string): Promise<{ sources: MotionNetSource[]; dispose(): void }> {
  const loaded: { recognizer: Awaited<ReturnType<typeof loadTrainedModel>>['recognizer']; source: MotionNetSource }[] = [];
  for (const run of runs) {
    if (JOINT_MOTIONNETS[run.model] == null || run.sampling !== 'dense') continue;
    const { recognizer } = await loadTrainedModel(path.join(studyDir, `${run.model}-dense-seed${run.seed}`, LATEST));
    if (recognizer.motionNet == null) {
      recognizer.dispose();
      continue;
    }
    loaded.push({ recognizer, source: { name: seedName(run.model, run.seed), model: recognizer.motionNet } });
  }
  return {
    sources: loaded.map((l) => l.source),
    dispose: () => {
      for (const { recognizer } of loaded) recognizer.dispose();
    },
  };
}

/**
 * Folds the per-seed errors of the joint MotionNets into one mean per model (what
 * the flow table and the quality curve show) and a table of the seeds.
 */
export function foldJointErrors(quality: RegimeFlowQuality): { quality: RegimeFlowQuality; table: Table | null } {
  const perSeed = Object.entries(quality.motionnets ?? {}).filter(([name]) => /, seed \d+$/.test(name));
  if (perSeed.length === 0) return { quality, table: null };
  const kept = Object.fromEntries(Object.entries(quality.motionnets ?? {}).filter(([name]) => !/, seed \d+$/.test(name)));
  const rows: (string | number)[][] = [];
  for (const name of Object.values(JOINT_MOTIONNETS)) {
    const seeds = perSeed.filter(([key]) => key.startsWith(`${name}, seed `));
    if (seeds.length === 0) continue;
    const mean = seeds.reduce((sum, [, epe]) => sum + epe, 0) / seeds.length;
    kept[name] = mean;
    rows.push([name, seeds.map(([key, epe]) => `${key.slice(name.length + 2)}: ${epe.toFixed(2)}`).join(', '), mean.toFixed(2), (mean / quality.zero).toFixed(3)]);
  }
  const pretrained = Object.entries(kept).filter(([name]) => !Object.values(JOINT_MOTIONNETS).includes(name));
  return {
    quality: { ...quality, motionnets: kept },
    table: {
      title: `What joint training did to MotionNet's flow, ${quality.regime} regime: end-point error over the moving pixels (test split)`,
      columns: ['MotionNet after joint training', 'EPE px by seed', 'mean EPE px', 'mean / zero'],
      rows,
      note: `Each joint run's MotionNet from its last checkpoint, on the ${quality.pairs} test pairs of the flow table; before joint training: ${pretrained.map(([name, epe]) => `${name} ${epe.toFixed(2)} px`).join(', ')}; zero flow ${quality.zero.toFixed(2)} px.`,
    },
  };
}
