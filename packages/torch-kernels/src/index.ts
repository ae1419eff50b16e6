export { type AdamStepInput, adamStep, canFuseStep, type FusedStepInput, type MomentumStepInput, momentumStep } from './optimizer.js';
export {
  DEFAULT_THREADS,
  nativeCallCounts,
  type RegisterOptions,
  registerTorchKernels,
  setTorchThreads,
  type TorchKernelsInfo,
  TorchKernelsUnavailableError,
  torchKernelsInfo,
  torchKernelsStatus,
  unregisterTorchKernels,
} from './register.js';
