/** Every kernel this package puts on the wasm backend. */
import { avgPool } from './avg-pool.js';
import { fusedBatchNorm } from './batch-norm.js';
import { batchNormTraining, batchNormTrainingGrad } from './batch-norm-training.js';
import { binaryKernels } from './binary.js';
import { compareKernels } from './compare.js';
import { concat } from './concat.js';
import { conv2d } from './conv2d.js';
import { conv2dBackpropFilter } from './conv2d-backprop-filter.js';
import { conv2dBackpropInput } from './conv2d-backprop-input.js';
import { fusedConv2d } from './fused-conv2d.js';
import { identity } from './identity.js';
import { batchMatMul, fusedMatMul } from './mat-mul.js';
import { pack, unpack } from './pack.js';
import { pad } from './pad.js';
import { avgPoolGrad, maxPoolGrad } from './pool-grad.js';
import { reduceKernels } from './reduce.js';
import { reluGrad } from './relu-grad.js';
import { resizeBilinearGrad } from './resize-bilinear-grad.js';
import { reverse } from './reverse.js';
import { select } from './select.js';
import { slice } from './slice.js';
import { splitV } from './split-v.js';
import { tile } from './tile.js';
import { transpose } from './transpose.js';
import { trajectorySample, trajectorySampleGradOffsets, trajectorySampleGradX } from './trajectory-sample.js';
import type { NativeKernel } from './types.js';
import { unaryKernels } from './unary.js';

export const NATIVE_KERNELS: NativeKernel[] = [
  conv2d,
  fusedConv2d,
  conv2dBackpropInput,
  conv2dBackpropFilter,
  batchMatMul,
  fusedMatMul,
  ...binaryKernels,
  ...unaryKernels,
  reluGrad,
  ...compareKernels,
  select,
  ...reduceKernels,
  tile,
  slice,
  pad,
  transpose,
  concat,
  reverse,
  splitV,
  pack,
  unpack,
  resizeBilinearGrad,
  maxPoolGrad,
  avgPool,
  avgPoolGrad,
  fusedBatchNorm,
  batchNormTraining,
  batchNormTrainingGrad,
  identity,
  trajectorySample,
  trajectorySampleGradX,
  trajectorySampleGradOffsets,
];
