/**
 * @trajectorynet/tvl1-flow for browsers (the package's "browser" export
 * condition): TV-L1 itself, its options and errors; no extraction to files
 * and no worker-thread pool (a page runs `tvl1` in a Web Worker of its own).
 * The same code as Node's, WebAssembly SIMD kernels included.
 */
export { endPointError } from './epe.js';
export { Tvl1Error, type Tvl1ErrorCode } from './errors.js';
export { ACCURATE_DEFAULTS, IPOL_DEFAULTS, OPENCV_DEFAULTS, resolveOptions, type Tvl1Options, type Tvl1Preset, type Tvl1Settings } from './options.js';
export { type FrameInput, tvl1 } from './tvl1.js';
