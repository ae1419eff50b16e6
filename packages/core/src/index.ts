/**
 * @trajectorynet/core: what every package shares and that runs anywhere
 * (Node and browsers): the error convention and the seeded random source.
 * Node-only parts (durable files, worker pool, progress bar) are in
 * `@trajectorynet/core/node`.
 */
export {
  categoryOf,
  describeError,
  ERROR_CODES,
  type ErrorCategory,
  type ErrorCode,
  type ErrorDetails,
  EXIT_CODES,
  exitCodeFor,
  isTrajectoryNetError,
  TrajectoryNetError,
} from './errors.js';
export { mixSeeds, type Random, type RandomState, randomFromState, type SeedPart, seededRandom } from './random.js';
export type { Flow, Image } from './types.js';
