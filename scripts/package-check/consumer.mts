/**
 * A user's strict TypeScript (ESM) over the installed packages: the package
 * check type-checks it (never runs it), so a declaration file that does not
 * compile, or a main export whose types changed shape, fails the check.
 */
import * as tf from '@tensorflow/tfjs';
import { describeError, exitCodeFor, seededRandom, TrajectoryNetError } from '@trajectorynet/core';
import { createWorkerPool, writeFileDurable } from '@trajectorynet/core/node';
import { enqueueVideos, connectRedis, formatStatus, queueStatus, readVideoList } from '@trajectorynet/flow-queue';
import { createMotionNet, motionFlows, unsupervisedLoss } from '@trajectorynet/motionnet';
import { createRecognizer, RECOGNIZER_DEFAULTS, type RecognizerConfig } from '@trajectorynet/recognizer';
import { createTrajectoryNet, loadModel, PRESET_STAGES, saveModel, summarize } from '@trajectorynet/resnet-s3d';
import { type BackendInfo, initBackend, loadCheckpoint, namedWeights, saveCheckpoint, selfCheck } from '@trajectorynet/runtime';
import { registerTorchKernels, torchKernelsStatus } from '@trajectorynet/torch-kernels';
import { loadTrainedModel, predictVideo, resolveConfig, runTraining } from '@trajectorynet/training';
import { TrajectoryConv3D, trajectoriesFromFlow, trajectoryConv } from '@trajectorynet/trajectory-conv';
import { extractFlow, tvl1 } from '@trajectorynet/tvl1-flow';
import { createSyntheticDataset, probeVideo, readFrames, renderSyntheticClip, VideoIOError } from '@trajectorynet/video-io';

export async function everything(): Promise<string[]> {
  const lines: string[] = [];
  const error = new TrajectoryNetError('BAD_CONFIG', 'bad', { path: 'train.epochs' });
  const code: number = exitCodeFor(error);
  const random = seededRandom(1, 0, 42);
  lines.push(describeError(error), String(code), String(random()));
  await writeFileDurable('out.json', '{}');
  const pool = createWorkerPool<{ n: number }, { m: number }>({ file: new URL('./w.mjs', import.meta.url), threads: 1, label: 'x' });
  const result: { m: number } = await pool.run({ n: 1 });
  await pool.close();
  lines.push(String(result.m));

  const info: BackendInfo = await initBackend({ log: null });
  lines.push(info.backend, String((await selfCheck()).ok), String(info.native?.kernels.length ?? 0));
  const status = torchKernelsStatus();
  if (status.available) lines.push(registerTorchKernels({ threads: 1 }).library);

  const video = await probeVideo('clip.mp4');
  const { frames, width, height } = await readFrames('clip.mp4', { indices: [0, 1] });
  const flow = tvl1({ data: frames[0], width, height, channels: 3 }, { data: frames[1], width, height, channels: 3 });
  const extracted = await extractFlow('clip.mp4', 'flow/clip', { resize: { width: 64, height: 48 } });
  lines.push(String(video.frameCount), String(flow.u.length), String(extracted.pairs));
  const synthetic = createSyntheticDataset({ split: 'train', clipsPerClass: 1, frames: 4, width: 32, height: 32 });
  lines.push(String(renderSyntheticClip(synthetic.samples[0]).frames.length));
  if (error instanceof VideoIOError) lines.push(error.code);

  const x = tf.randomNormal([1, 4, 8, 8, 4]);
  const forward = tf.zeros([1, 3, 8, 8, 2]);
  const offsets: tf.Tensor = trajectoriesFromFlow(forward, forward, { taps: 3 });
  const y: tf.Tensor = trajectoryConv(x, offsets, tf.randomNormal([3, 4, 8]));
  const layer = new TrajectoryConv3D({ filters: 8, kernelSize: 3 });
  lines.push(String(y.shape), layer.getClassName());

  const model: tf.LayersModel = createTrajectoryNet({ depth: 18, numClasses: 4, frames: 4, size: 32, width: 0.125, stages: PRESET_STAGES.trajectorynet });
  await saveModel(model, 'model');
  const loaded: tf.LayersModel = await loadModel('model');
  lines.push(String(summarize(loaded).parameters));

  const motionNet = createMotionNet({ frames: 4, height: 32, width: 32, widthMultiplier: 1 / 8 });
  const clip = tf.randomUniform([1, 4, 32, 32, 3]) as tf.Tensor5D;
  const loss: tf.Scalar = unsupervisedLoss(motionNet, clip).total;
  const flows: { forward: tf.Tensor; backward: tf.Tensor } = motionFlows(motionNet, clip);
  lines.push(String(loss.shape), String(flows.forward.shape));

  const config: RecognizerConfig = { ...RECOGNIZER_DEFAULTS, variant: 'trajectorynet', width: 0.125, frames: 4, size: 32, numClasses: 4 };
  const recognizer = createRecognizer(config, 1);
  const { logits } = recognizer.forward({ clips: tf.zeros([1, 4, 32, 32, 3]), flows: { forward: tf.zeros([1, 3, 32, 32, 2]), backward: tf.zeros([1, 3, 32, 32, 2]) } }, false);
  lines.push(String(logits.shape));
  await saveCheckpoint('run.ckpt', { state: { step: 1 }, weights: namedWeights(recognizer.weights), optimizer: [] });
  const saved = await loadCheckpoint<{ step: number }>('run.ckpt');
  lines.push(String(saved.state.step));
  recognizer.dispose();

  const trainConfig = await resolveConfig({ preset: 'trajectorynet-r18-tiny', overrides: ['train.epochs=1'] });
  const summary = await runTraining(trainConfig, { outDir: 'runs/x', overwrite: true, quiet: true });
  const trained = await loadTrainedModel('runs/x/best.ckpt');
  const scores = await predictVideo(trained.recognizer, trained.meta, 'clip.mp4', { cacheDir: '.cache', kind: 'video' });
  lines.push(String(summary.best?.top1), String(scores.length));

  const redis = await connectRedis('redis://127.0.0.1:6379');
  const videos = await readVideoList('train.txt', 'videos');
  const enqueued = await enqueueVideos(redis, videos, { format: 'jpg', bound: 20, resize: { width: 340, height: 256 } });
  lines.push(String(enqueued.added), formatStatus(await queueStatus(redis)));
  redis.disconnect();
  return lines;
}
