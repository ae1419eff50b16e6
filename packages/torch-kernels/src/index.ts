export { type AdamStepInput, adamStep, canFuseStep, type FusedStepInput, type MomentumStepInput, momentumStep } from './optimizer.js';
export {
  DEFAULT_THREADS,
  nativeCallCounts,
  type RegisterOptions,
  registerTorchKernels,
  setTorchAllocatorCaching,
  setTorchConvOnednn,
  setTorchThreads,
  type TorchAllocatorStats,
  type TorchKernelsInfo,
  TorchKernelsUnavailableError,
  torchAllocatorStats,
  torchConvStats,
  torchKernelsInfo,
  torchKernelsStatus,
  unregisterTorchKernels,
} from './register.js';
export type { TorchConvStats } from './native.js';
