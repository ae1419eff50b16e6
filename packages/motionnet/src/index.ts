export { MotionNetError } from './errors.js';
export { borderMask, charbonnier, gaussianWindow, lrnNormalise, photometricLoss, smoothnessLoss, ssimLoss } from './losses.js';
export { createMotionNet, FLOW_FACTORS, type MotionNetConfig, SCALES } from './network.js';
export { predictFlow, withInputSize } from './predict.js';
export {
  directionLoss,
  type LossParts,
  type MotionNetPass,
  motionFlows,
  passFlows,
  passLoss,
  runMotionNet,
  SSIM_WEIGHTS,
  stackFrames,
  unsupervisedLoss,
} from './unsupervised.js';
