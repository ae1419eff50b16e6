export {
  createSyntheticDataset,
  renderSyntheticClip,
  renderSyntheticFlows,
  SYNTHETIC_DIRECTIONS,
  SYNTHETIC_LABELS,
  SYNTHETIC_MOTION,
  SYNTHETIC_SPINS,
  type SyntheticDataset,
  type SyntheticMotion,
  type SyntheticOptions,
} from './datasets/synthetic.js';
export {
  type Dataset,
  type FramesSample,
  type ListOptions,
  listTypeOf,
  readClassFolders,
  readLabelFile,
  readMmactionList,
  readSomethingV1,
  readVideoList,
  type Sample,
  splitListLine,
  type SyntheticSample,
  type VideoSample,
} from './datasets/manifests.js';
export { readSomethingV2 } from './datasets/something-v2.js';
export { fromFsError, VideoIOError, type VideoIOErrorCode } from './errors.js';
export { ffmpegPath, ffprobePath } from './ffmpeg/binaries.js';
export { type DecodedFrame, type DecodeOptions, decodeFrames, type Frames, readFrames, type Size } from './ffmpeg/decode.js';
export { probeVideo, type VideoInfo } from './ffmpeg/probe.js';
export { flowToColor } from './flow/color.js';
export { encodeFlo, type Flow, readFlo, writeFlo } from './flow/flo.js';
export { DEFAULT_BOUND, dequantiseFlow, flowFileNames, quantiseFlow, readFlowJpegs, writeFlowJpegs } from './flow/flow-jpeg.js';
export { countFolderFrames, countFrames, DEFAULT_TEMPLATE, detectFrameTemplate, type FolderOptions, frameFileName, readFrameFolder, readImage, type RgbImage, writeFrame } from './frames/folder.js';
export { type Batch, createLoader, type DatasetLoaderOptions, type LoadedClip, type Loader, type LoaderOptions } from './loader.js';
export { chainFlows, clipFlows, type FlowSpec, flowFolderOf, flowsToFloat, invertFlow, type PairFlows, pairFlows } from './pipeline/clip-flows.js';
export { type ClipPipeline, checkPipeline, loadClip, pipelineFlowShape, pipelineShape, pipelineViews, type SamplingSpec, shorterSide, testClipIndices } from './pipeline/clip-pipeline.js';
export { denseIndices, type DenseOptions, type Random, segmentIndices } from './pipeline/sampling.js';
export { type Box, type ClipTransform, type CropKind, cropBox, framesToFloat, IMAGENET_MEAN, IMAGENET_STD, MULTISCALE } from './pipeline/transforms.js';
export { parseSize } from './size.js';
export {
  type LayerMotion,
  type ProceduralOptions,
  type ProceduralSequence,
  type ProceduralTextureKind,
  proceduralSeed,
  proceduralStream,
  proceduralValidationSet,
  renderProceduralSequence,
} from './datasets/procedural.js';
