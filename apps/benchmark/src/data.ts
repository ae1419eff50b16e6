import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The shared real data (../shared/data beside the repository, or TRAJECTORYNET_DATA). */
export function dataDir(): string {
  return process.env.TRAJECTORYNET_DATA ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../shared/data');
}
