export { temporaryPathFor, writeFileAtomic } from './atomic.js';
export {
  createSyntheticDataset,
  renderSyntheticClip,
  SYNTHETIC_DIRECTIONS,
  SYNTHETIC_LABELS,
  SYNTHETIC_SPINS,
  type SyntheticDataset,
  type SyntheticOptions,
  type SyntheticSample,
} from './datasets/synthetic.js';
export { type Dataset, type ListOptions, readClassFolders, readLabelFile, readMmactionList, readSomethingV1, type Sample } from './datasets/manifests.js';
export { readSomethingV2 } from './datasets/something-v2.js';
export { fromFsError, VideoIOError, type VideoIOErrorCode } from './errors.js';
export { ffmpegPath, ffprobePath } from './ffmpeg/binaries.js';
export { type DecodedFrame, type DecodeOptions, decodeFrames, type Frames, readFrames, type Size } from './ffmpeg/decode.js';
export { probeVideo, type VideoInfo } from './ffmpeg/probe.js';
export { flowToColor } from './flow/color.js';
export { encodeFlo, type Flow, readFlo, writeFlo } from './flow/flo.js';
export { DEFAULT_BOUND, dequantiseFlow, flowFileNames, quantiseFlow, readFlowJpegs, writeFlowJpegs } from './flow/flow-jpeg.js';
export { countFolderFrames, countFrames, DEFAULT_TEMPLATE, detectFrameTemplate, type FolderOptions, frameFileName, readFrameFolder, readImage, type RgbImage, writeFrame } from './frames/folder.js';
export { workerExecArgv } from './loader-workers.js';
export { type Batch, createLoader, type DatasetLoaderOptions, type LoadedClip, type Loader, type LoaderOptions, sampleSeed, shuffledOrder } from './loader.js';
export { type ClipPipeline, checkPipeline, loadClip, pipelineShape, pipelineViews, type SamplingSpec } from './pipeline/clip-pipeline.js';
export { denseIndices, type DenseOptions, type Random, segmentIndices } from './pipeline/sampling.js';
export { type Box, type ClipTransform, type CropKind, cropBox, framesToFloat, IMAGENET_MEAN, IMAGENET_STD, MULTISCALE } from './pipeline/transforms.js';
export { mixSeeds, seededRandom } from './random.js';
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
