/**
 * Registers the custom layers of a backbone (ours and trajectory-conv's) for
 * `tf.loadLayersModel`. Their modules register them when they are evaluated
 * too, but a bundler may drop a module none of whose exports is used (this
 * package is side-effect free), so a loader calls this first. Idempotent.
 */
import * as tf from '@tensorflow/tfjs';
import { TemporalConv3D, TrajectoryConv3D } from '@trajectorynet/trajectory-conv';
import { BatchNorm5D, GlobalAveragePool3D, SpatialConv3D, SpatialMaxPool3D, StackMotion, StageOffsets } from './layers/spatial.js';

export function registerLayers(): void {
  for (const layer of [SpatialConv3D, BatchNorm5D, SpatialMaxPool3D, GlobalAveragePool3D, StageOffsets, StackMotion, TemporalConv3D, TrajectoryConv3D]) tf.serialization.registerClass(layer);
}
