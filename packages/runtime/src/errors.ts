import { TrajectoryNetError } from '@trajectorynet/core';

/** A tfjs backend that was asked for explicitly could not be loaded (code BACKEND_UNAVAILABLE, path: the backend). */
export class BackendUnavailableError extends TrajectoryNetError<'BACKEND_UNAVAILABLE'> {
  override name = 'BackendUnavailableError';
  constructor(
    readonly backend: string,
    readonly packageName: string,
    readonly reason: string,
    readonly hint: string,
  ) {
    super('BACKEND_UNAVAILABLE', `the tfjs '${backend}' backend is not available: ${packageName} could not be loaded (${reason}). ${hint}`, { path: backend });
  }
}

/** A value of TRAJECTORYNET_BACKEND or of `prefer` that names no backend (code UNKNOWN_BACKEND, path: where it came from). */
export class UnknownBackendError extends TrajectoryNetError<'UNKNOWN_BACKEND'> {
  override name = 'UnknownBackendError';
  constructor(
    readonly value: string,
    readonly source: string,
  ) {
    super('UNKNOWN_BACKEND', `unknown backend '${value}': use one of tensorflow, wasm, cpu (or auto)`, { path: source });
  }
}

/** A checkpoint file that cannot be read, is damaged, or does not fit the model (code BAD_CHECKPOINT, path: the file). */
export class CheckpointError extends TrajectoryNetError<'BAD_CHECKPOINT'> {
  override name = 'CheckpointError';
}
