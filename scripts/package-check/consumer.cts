/**
 * The same user in CommonJS TypeScript: with module NodeNext a .cts file
 * compiles to require(), so TypeScript reads each package's "require" types
 * (the .d.cts files), which the ESM consumer never touches.
 */
import { exitCodeFor, TrajectoryNetError } from '@trajectorynet/core';
import { writeFileDurable } from '@trajectorynet/core/node';
import { flowQueueCommand } from '@trajectorynet/flow-queue';
import { createMotionNet } from '@trajectorynet/motionnet';
import { createRecognizer, RECOGNIZER_DEFAULTS } from '@trajectorynet/recognizer';
import { createTrajectoryNet, PRESET_STAGES } from '@trajectorynet/resnet-s3d';
import { initBackend } from '@trajectorynet/runtime';
import { torchKernelsStatus } from '@trajectorynet/torch-kernels';
import { PRESET_NAMES } from '@trajectorynet/training';
import { trajectoryConv } from '@trajectorynet/trajectory-conv';
import { tvl1 } from '@trajectorynet/tvl1-flow';
import { probeVideo } from '@trajectorynet/video-io';

export async function everythingFromCommonJs(): Promise<unknown[]> {
  const backend: string = (await initBackend({ log: null })).backend;
  return [
    exitCodeFor(new TrajectoryNetError('BAD_INPUT', 'x')),
    writeFileDurable,
    flowQueueCommand('x').name(),
    createMotionNet({ frames: 2, height: 32, width: 32, widthMultiplier: 0.125 }).outputs.length,
    createRecognizer({ ...RECOGNIZER_DEFAULTS, numClasses: 2 }).weights.length,
    createTrajectoryNet({ depth: 18, numClasses: 2, frames: 4, size: 32, stages: PRESET_STAGES.s3d }).countParams(),
    backend,
    torchKernelsStatus().available,
    PRESET_NAMES.length,
    trajectoryConv,
    tvl1,
    (await probeVideo('clip.mp4')).fps,
  ];
}
