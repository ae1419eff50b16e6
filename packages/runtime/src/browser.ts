/**
 * @trajectorynet/runtime for browsers (the package's "browser" export
 * condition): backend choice among webgl, wasm and cpu, the kernels, seeded
 * randomness and the optimiser. Checkpoint files and the Node backends
 * (tfjs-node, libtorch kernels) are Node-only.
 */
export { type BrowserBackendInfo, type BrowserBackendName, type InitBrowserBackendOptions, initBackend } from './browser-backend.js';
export { BackendUnavailableError, CheckpointError, UnknownBackendError } from './errors.js';
export { registerRuntimeKernels } from './kernels/register.js';
export { type AnyBackend, makeOutput, readValues } from './kernels/kernel-io.js';
export { createRunRandom, type RunRandom, withSeededRandom } from './random.js';
export { ScheduledAdam } from './optimizers.js';
