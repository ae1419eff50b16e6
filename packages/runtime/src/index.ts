export type { BackendInfo, BackendName, InitBackendOptions, NativeKernelsInfo, SkippedBackend } from './backend.js';
export { activeNativeKernels, describeBackend, initBackend } from './backend.js';
export { assignMatchingWeights, assignWeights, type Checkpoint, loadCheckpoint, type NamedTensor, namedWeights, saveCheckpoint } from './checkpoint.js';
export { BackendUnavailableError, CheckpointError, UnknownBackendError } from './errors.js';
// For packages that register JS kernels of their own (trajectory-conv).
export { type AnyBackend, makeOutput, readValues } from './kernels/kernel-io.js';
export { registerRuntimeKernels } from './kernels/register.js';
export { type GradientAdjustment, ScheduledAdam, ScheduledMomentum } from './optimizers.js';
export { createRunRandom, type RunRandom, withSeededRandom } from './random.js';
export type { SelfCheckResult } from './self-check.js';
export { selfCheck } from './self-check.js';
