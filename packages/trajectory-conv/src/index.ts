export { registerTrajectoryKernels, trajectorySamplingPath } from './kernels/register.js';
export { WEBGL_GRAD_X_MAX_RADIUS } from './kernels/trajectory-sample-webgl.js';
export { TemporalConv3D, type TemporalConvLayerArgs, TrajectoryConv3D } from './layers/temporal-layers.js';
export { TrajectoryConvError } from './ops/errors.js';
export { temporalConv } from './ops/temporal-conv.js';
export { resizeOffsets, subsampleOffsets, type TrajectoryOptions, trajectoriesFromFlow } from './ops/trajectories.js';
export { type ConvActivation, type ConvOptions, trajectoryConv } from './ops/trajectory-conv.js';
export { outputLength, type TemporalOptions, trajectorySample } from './ops/trajectory-sample.js';
export { warpBilinear } from './ops/warp.js';
