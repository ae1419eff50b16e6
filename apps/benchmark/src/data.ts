import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TrajectoryNetError } from '@trajectorynet/core';

/** The files of the test data that suites read (mmaction2's test videos and frames, FlowNet2's FlyingChairs examples). */
export const DATA_FILES = ['videos/test.mp4', 'videos/test.avi', 'videos/part_0.mp4', 'rawframes/img_00001.jpg', 'flow/flyingchairs/0000000-img0.ppm'];

/**
 * The test data folder: --data, else env TRAJECTORYNET_DATA, else
 * ../shared/data beside the repository when running from a checkout.
 * Undefined when none is given and there is no checkout.
 */
export function resolveDataDir(option: string | undefined): string | undefined {
  if (option) return path.resolve(option);
  if (process.env.TRAJECTORYNET_DATA) return path.resolve(process.env.TRAJECTORYNET_DATA);
  const beside = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../shared/data');
  return existsSync(beside) ? beside : undefined;
}

/** Refuses, before any suite runs, a data folder that the selected suites need and that lacks their files. */
export function checkDataDir(dir: string | undefined, suites: string[]): void {
  if (suites.length === 0) return;
  const missing = dir == null ? DATA_FILES : DATA_FILES.filter((f) => !existsSync(path.join(dir, f)));
  if (missing.length === 0) return;
  const where = dir == null ? 'no data folder given' : `${dir} lacks ${missing.join(', ')}`;
  throw new TrajectoryNetError('BAD_ARGUMENT', `the ${suites.join(', ')} suite${suites.length > 1 ? 's read' : ' reads'} the test data (${DATA_FILES.join(', ')}): ${where}; give its folder with --data <dir> or TRAJECTORYNET_DATA`, { path: '--data' });
}
