/** A shape or argument error of a trajectory-conv op, naming the argument. */
export class TrajectoryConvError extends Error {
  constructor(op: string, message: string) {
    super(`${op}: ${message}`);
    this.name = 'TrajectoryConvError';
  }
}
