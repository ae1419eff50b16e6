/**
 * @trajectorynet/video-io for browsers (the package's "browser" export
 * condition): the parts of the clip pipeline that read no files, the same
 * code Node runs. A page decodes frames itself (WebCodecs gives the 4:2:0
 * planes `yuvToRgb` turns into the pixels ffmpeg's planes give in Node),
 * then samples, crops and normalises them, and their flows, as the trainer.
 */
export {
  createSyntheticDataset,
  renderSyntheticClip,
  renderSyntheticFlows,
  SYNTHETIC_DIRECTIONS,
  SYNTHETIC_LABELS,
  SYNTHETIC_MOTION,
  SYNTHETIC_SPINS,
  type SyntheticAppearance,
  type SyntheticDataset,
  type SyntheticFlowOptions,
  type SyntheticMotion,
  type SyntheticOptions,
} from './datasets/synthetic.js';
export type { Dataset, Sample, SyntheticSample } from './datasets/manifests.js';
export { VideoIOError, type VideoIOErrorCode } from './errors.js';
export type { Frames, Size } from './ffmpeg/decode.js';
export { flowToColor } from './flow/color.js';
export type { RgbImage } from './frames/folder.js';
export { resizeRgb } from './frames/resize.js';
export { type ChromaFormat, chromaSize, yuvFrameBytes, type YuvFrame, yuvPlanes, yuvToRgb } from './frames/yuv.js';
export type { FlowSpec } from './pipeline/clip-flows.js';
export { chainFlows, clipFlows, flowsToFloat, invertFlow, type PairFlows } from './pipeline/flow-math.js';
export { denseIndices, type DenseOptions, type Random, segmentIndices } from './pipeline/sampling.js';
export { type Box, type ClipTransform, type CropKind, cropBox, framesToFloat, IMAGENET_MEAN, IMAGENET_STD, MULTISCALE } from './pipeline/transforms.js';
export {
  type ClipPipeline,
  checkPipeline,
  clipFromFrames,
  clipIndices,
  clipPairs,
  type DecodedClips,
  pipelineFlowShape,
  pipelineShape,
  pipelineViews,
  type SamplingSpec,
  shorterSide,
  testClipIndices,
} from './pipeline/views.js';
export { parseSize } from './size.js';
