export { activeNativeKernels, describeBackend, initBackend } from './backend.js';
export type { BackendInfo, BackendName, InitBackendOptions, NativeKernelsInfo, SkippedBackend } from './backend.js';
export { BackendUnavailableError, CheckpointError, UnknownBackendError } from './errors.js';
export { assignMatchingWeights, assignWeights, type Checkpoint, loadCheckpoint, type NamedTensor, namedWeights, saveCheckpoint } from './checkpoint.js';
export { registerRuntimeKernels } from './kernels/register.js';
export { selfCheck } from './self-check.js';
export type { SelfCheckResult } from './self-check.js';
// For packages that register JS kernels of their own (trajectory-conv).
export { type AnyBackend, makeOutput, readValues } from './kernels/kernel-io.js';
export { createRunRandom, type RunRandom, withSeededRandom } from './random.js';
export { ScheduledAdam } from './optimizers.js';
