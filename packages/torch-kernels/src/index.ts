export { type AdamStepInput, adamStep, canFuseStep, type FusedStepInput, type MomentumStepInput, momentumStep } from './optimizer.js';
export {
  DEFAULT_THREADS,
  nativeCallCounts,
  type RegisterOptions,
  registerTorchKernels,
  setTorchAllocatorCaching,
  setTorchThreads,
  type TorchAllocatorStats,
  type TorchKernelsInfo,
  TorchKernelsUnavailableError,
  torchAllocatorStats,
  torchKernelsInfo,
  torchKernelsStatus,
  unregisterTorchKernels,
} from './register.js';
