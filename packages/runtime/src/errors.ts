import { TrajectoryNetError } from '@trajectorynet/core';

/** A tfjs backend that was asked for explicitly could not be loaded. */
export class BackendUnavailableError extends Error {
  override readonly name = 'BackendUnavailableError';
  constructor(
    readonly backend: string,
    readonly packageName: string,
    readonly reason: string,
    readonly hint: string,
  ) {
    super(`The tfjs '${backend}' backend is not available: ${packageName} could not be loaded (${reason}). ${hint}`);
  }
}

/** A value of TRAJECTORYNET_BACKEND or of `prefer` that names no backend. */
export class UnknownBackendError extends Error {
  override readonly name = 'UnknownBackendError';
  constructor(readonly value: string, readonly source: string) {
    super(`Unknown backend '${value}' in ${source}: use one of tensorflow, wasm, cpu (or auto).`);
  }
}

/** A checkpoint file that cannot be read, is damaged, or does not fit the model (code BAD_CHECKPOINT, path: the file). */
export class CheckpointError extends TrajectoryNetError<'BAD_CHECKPOINT'> {
  override name = 'CheckpointError';
}
