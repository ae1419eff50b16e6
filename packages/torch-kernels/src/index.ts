export {
  DEFAULT_THREADS,
  nativeCallCounts,
  type RegisterOptions,
  registerTorchKernels,
  setTorchThreads,
  type TorchKernelsInfo,
  torchKernelsInfo,
  torchKernelsStatus,
  TorchKernelsUnavailableError,
  unregisterTorchKernels,
} from './register.js';
