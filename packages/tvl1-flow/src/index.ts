export { endPointError } from './epe.js';
export { ACCURATE_DEFAULTS, IPOL_DEFAULTS, OPENCV_DEFAULTS, resolveOptions, type Tvl1Options, type Tvl1Preset, type Tvl1Settings } from './options.js';
export { type FrameInput, tvl1 } from './tvl1.js';
export { Tvl1Error, type Tvl1ErrorCode } from './errors.js';
export { type ExtractOptions, type ExtractResult, extractFlow, pairOutputs } from './extract.js';
export { createFlowPool, type FlowPool } from './pool.js';
export { type GrayImage, type SyntheticMotion, type SyntheticPair, type SyntheticPairSpec, syntheticPair, syntheticPairSpecs, UNKNOWN_FLOW } from './synthetic.js';
export { type BatchResult, extractVideos, type VideoJob } from './batch.js';
export { addExtractOptions, type ExtractFlags, extractOptionsOf } from './cli-options.js';
