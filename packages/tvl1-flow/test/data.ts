import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The shared real test data (../shared/data beside the repository, or TRAJECTORYNET_DATA). */
export const DATA = process.env.TRAJECTORYNET_DATA ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../shared/data');
