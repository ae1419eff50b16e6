/** Everything browsers get (browser.ts), and what reads files, runs ffmpeg or starts worker threads (Node only). */
export * from './browser.js';
export {
  type FramesSample,
  type ListOptions,
  listTypeOf,
  readClassFolders,
  readLabelFile,
  readMmactionList,
  readSomethingV1,
  readVideoList,
  splitListLine,
  type VideoSample,
} from './datasets/manifests.js';
export { readSomethingV2 } from './datasets/something-v2.js';
export { fromFsError } from './errors.js';
export { ffmpegPath, ffprobePath } from './ffmpeg/binaries.js';
export { type DecodedFrame, type DecodeOptions, decodeFrames, readFrames } from './ffmpeg/decode.js';
export { probeVideo, type VideoInfo } from './ffmpeg/probe.js';
export { encodeFlo, type Flow, readFlo, writeFlo } from './flow/flo.js';
export { DEFAULT_BOUND, dequantiseFlow, flowFileNames, quantiseFlow, readFlowJpegs, writeFlowJpegs } from './flow/flow-jpeg.js';
export { countFolderFrames, countFrames, DEFAULT_TEMPLATE, detectFrameTemplate, type FolderOptions, frameFileName, readFrameFolder, readImage, writeFrame } from './frames/folder.js';
export { type Batch, createLoader, type DatasetLoaderOptions, type LoadedClip, type Loader, type LoaderOptions } from './loader.js';
export { flowFolderOf, pairFlows } from './pipeline/clip-flows.js';
export { loadClip } from './pipeline/clip-pipeline.js';
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
