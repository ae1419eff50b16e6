export { endPointError, type FlowLike } from './epe.js';
export { medianFilter } from './median.js';
export { ACCURATE_DEFAULTS, IPOL_DEFAULTS, OPENCV_DEFAULTS, resolveOptions, type Tvl1Options, type Tvl1Preset, type Tvl1Settings } from './options.js';
export { type FlowField, type FrameInput, tvl1, Tvl1InputError } from './tvl1.js';
export { Tvl1Error, type Tvl1ErrorCode } from './errors.js';
export { type ExtractOptions, type ExtractResult, extractFlow, pairOutputs } from './extract.js';
export { createFlowPool, type FlowPool } from './pool.js';
export { type GrayImage, type SyntheticMotion, type SyntheticPair, type SyntheticPairSpec, syntheticPair, syntheticPairSpecs, UNKNOWN_FLOW } from './synthetic.js';
