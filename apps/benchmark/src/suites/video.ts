/**
 * video-io: decoding throughput of decodeFrames against the same ffmpeg
 * binary writing raw rgb24 to /dev/null (the goal is at least 80% of it),
 * sparse frame reads, JPEG frame folders, and the dataset loader's clips/s
 * with 0, 1 and 2 worker threads, without and with precomputed flows (the
 * dataset workflow: extract once, then train reading x/y flow JPEGs).
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { barChart } from '@trajectorynet/training';
import { extractVideos } from '@trajectorynet/tvl1-flow';
import { type ClipPipeline, createLoader, decodeFrames, ffmpegPath, probeVideo, readFrameFolder, readFrames, type Sample, segmentIndices, shorterSide } from '@trajectorynet/video-io';
import type { Suite } from '../suite.js';
import { timeIt } from '../timing.js';

const run = promisify(execFile);

async function decodeAll(file: string): Promise<number> {
  let frames = 0;
  for await (const frame of decodeFrames(file)) frames += frame.data.length > 0 ? 1 : 0;
  return frames;
}

export const videoSuite: Suite = {
  name: 'video',
  description: 'video-io decoding vs ffmpeg to /dev/null, sparse reads, JPEG folders, loader clips/s with worker threads',
  needsData: true,
  async run({ quick, outDir, progress, dataDir }) {
    const data = dataDir!;
    const runs = quick ? 1 : 5;
    const decodeRows: (string | number)[][] = [];
    const decodeData = [];
    for (const name of ['test.mp4', 'test.avi']) {
      const file = path.join(data, 'videos', name);
      const info = await probeVideo(file);
      progress(`decode ${name}: ffmpeg to /dev/null, then decodeFrames`);
      // the same binary, same frames (-vsync passthrough, as decodeFrames), written nowhere
      const ffmpeg = await timeIt(() => run(ffmpegPath(), ['-v', 'error', '-i', file, '-an', '-vsync', 'passthrough', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-y', '/dev/null']).then(() => undefined), { warmup: 1, minRuns: runs, minSeconds: 0 });
      let frames = 0;
      const ours = await timeIt(async () => {
        frames = await decodeAll(file);
      }, { warmup: 1, minRuns: runs, minSeconds: 0 });
      const sparse = await timeIt(async () => void (await readFrames(file, { indices: segmentIndices(frames, 8, 'test') })), { warmup: 1, minRuns: runs, minSeconds: 0 });
      const ffmpegFps = frames / (ffmpeg.medianMs / 1000);
      const oursFps = frames / (ours.medianMs / 1000);
      decodeRows.push([`${name} (${info.width}x${info.height}, ${frames} frames)`, ffmpegFps, oursFps, `${((100 * oursFps) / ffmpegFps).toFixed(0)}%`, sparse.medianMs, ours.medianMs]);
      decodeData.push({ name, info, frames, ffmpegMs: ffmpeg.medianMs, decodeMs: ours.medianMs, sparseMs: sparse.medianMs });
    }

    progress('JPEG frame folder (sharp)');
    const folder = path.join(data, 'rawframes');
    const jpeg = await timeIt(async () => void (await readFrameFolder(folder)), { warmup: 1, minRuns: runs, minSeconds: 0 });
    const folderFps = 10 / (jpeg.medianMs / 1000);

    // the loader on the shared videos (repeated), 8 segments at 112x112, with 0, 1 and 2 worker threads
    const videos = ['test.mp4', 'part_0.mp4', 'test.avi'];
    const samples: Sample[] = Array.from({ length: quick ? 6 : 24 }, (_, i) => ({ path: path.join(data, 'videos', videos[i % 3]), id: `${i}-${videos[i % 3]}`, label: i % 3, frameCount: 0, kind: 'video' }));
    const pipeline: ClipPipeline = { sampling: { kind: 'segments', segments: 8 }, mode: 'train', crop: 'multiscale', size: [112, 112], flip: false };
    const loaderRows: (string | number)[][] = [];
    const loaderData: { label: string; workers: number; clips: number; clipsPerSecond: number }[] = [];
    const measure = async (label: string, list: Sample[], clipPipeline: ClipPipeline, workers: number) => {
      progress(`loader ${label}, ${workers} workers, ${list.length} clips`);
      const started = performance.now();
      let clips = 0;
      for await (const batch of createLoader({ samples: list }, clipPipeline, { batchSize: 4, shuffle: true, seed: 1, workers })) clips += batch.shape[0];
      const clipsPerSecond = clips / ((performance.now() - started) / 1000);
      loaderRows.push([label, workers === 0 ? '0 (main thread)' : workers, clipsPerSecond]);
      loaderData.push({ label, workers, clips, clipsPerSecond });
    };
    for (const workers of [0, 1, 2]) await measure('frames (3 videos)', samples, pipeline, workers);

    // with flows: TV-L1 of part_0.mp4 extracted once (x/y JPEGs, bound 20, as extract-flow writes), then read per clip
    progress('extracting TV-L1 flows of part_0.mp4 (once)');
    const flowDir = path.join(outDir, 'video-flows');
    // decoded with the shorter side at 128 (64 for --quick), and the flows extracted at that size, as extract-flow --config does
    const shorter = quick ? 64 : 128;
    const part0Info = await probeVideo(path.join(data, 'videos', 'part_0.mp4'));
    await extractVideos([{ input: path.join(data, 'videos', 'part_0.mp4'), outDir: path.join(flowDir, 'part_0'), resize: shorterSide(part0Info, shorter) }], { workers: 2 });
    const part0: Sample[] = Array.from({ length: quick ? 6 : 24 }, (_, i) => ({ path: path.join(data, 'videos', 'part_0.mp4'), id: 'part_0.mp4', label: i % 3, frameCount: 0, kind: 'video' }));
    const dense: ClipPipeline = { sampling: { kind: 'dense', clipLength: 8, interval: 2 }, mode: 'train', crop: 'multiscale', size: [shorter - 16, shorter - 16], resizeShorter: shorter, flip: true };
    for (const workers of quick ? [0] : [0, 1, 2]) {
      await measure('frames (part_0)', part0, dense, workers);
      await measure('frames + flows (part_0)', part0, { ...dense, flows: { source: 'files', dir: flowDir, bound: 20 } }, workers);
    }

    return {
      tables: [
        {
          title: 'Decoding to rgb24: decodeFrames vs ffmpeg -f rawvideo to /dev/null (same binary)',
          columns: ['video', 'ffmpeg frames/s', 'decodeFrames frames/s', 'ours / ffmpeg', '8 sparse frames ms (readFrames)', 'whole video ms (decodeFrames)'],
          rows: decodeRows,
          note: `Goal: at least 80% of ffmpeg. JPEG frame folder (sharp, 10 frames): ${folderFps.toFixed(0)} frames/s.`,
        },
        {
          title: `Dataset loader: clips/s (batch 4, ${samples.length} clips per row)`,
          columns: ['clips', 'worker threads', 'clips/s'],
          rows: loaderRows,
          note: 'The 3 videos: 8 segments each, 112x112. part_0: decoded at 170x128 (85x64 with --quick), 8 frames every 2nd frame (dense), multiscale crops to 112x112 (48x48), flipped at random; "+ flows" also reads the 7 forward x/y flow JPEG pairs per clip and derives the backward ones, cropped, resized and flipped with the frames. Each load spawns ffmpeg; workers decode and transform in parallel with the main thread (the machine has 2 cores).',
        },
      ],
      charts: {
        'video-decode.svg': barChart(
          decodeData.map((d) => ({ group: d.name, bars: [{ name: 'ffmpeg to /dev/null', value: d.frames / (d.ffmpegMs / 1000) }, { name: 'decodeFrames', value: d.frames / (d.decodeMs / 1000) }] })),
          { title: 'Decoding frames/s', yLabel: 'frames/s' },
        ),
      },
      data: { decode: decodeData, folderFps, loader: loaderData },
    };
  },
};
