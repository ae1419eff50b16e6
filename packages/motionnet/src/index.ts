export { MotionNetError } from './errors.js';
export {
  borderMask,
  borderWidth,
  CAFFE_MEAN_RGB,
  charbonnier,
  downsampleImages,
  downsampleWeights,
  gaussianWindow,
  gaussianWindow1d,
  lrnNormalise,
  photometricLoss,
  smoothnessLoss,
  ssimLoss,
} from './losses.js';
export { createMotionNet, FLOW_FACTORS, MOTIONNET_FRAMES, type MotionNetConfig, SCALES } from './network.js';
export { SUPERVISED_SCALE_WEIGHTS, supervisedLoss } from './supervised.js';
export { flowsFromValues, matchBrightness, predictFlow, predictFlows, type PredictFlowOptions, processingSize, withInputSize } from './predict.js';
export {
  directionLoss,
  type LossParts,
  type LossWeights,
  type MotionNetPass,
  motionFlows,
  passFlows,
  passLoss,
  REFERENCE_LOSS_WEIGHTS,
  runMotionNet,
  stackFrames,
  unsupervisedLoss,
} from './unsupervised.js';
