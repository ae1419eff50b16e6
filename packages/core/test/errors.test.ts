import { describe, expect, it } from 'vitest';
import { categoryOf, describeError, EXIT_CODES, exitCodeFor, isTrajectoryNetError, TrajectoryNetError } from '../src/index.js';

class VideoError extends TrajectoryNetError {
  override name = 'VideoError';
}

describe('TrajectoryNetError', () => {
  it('carries code, path and cause, and puts the path first in the message', () => {
    const cause = new Error('EACCES');
    const error = new VideoError('CORRUPT', 'cannot decode frame 3', { path: 'a/b.mp4', cause });
    expect(error.message).toBe('a/b.mp4: cannot decode frame 3');
    expect(error.code).toBe('CORRUPT');
    expect(error.path).toBe('a/b.mp4');
    expect(error.cause).toBe(cause);
    expect(error.category).toBe('data');
    expect(error).toBeInstanceOf(TrajectoryNetError);
    expect(isTrajectoryNetError(error)).toBe(true);
  });

  it('maps categories to the documented exit codes', () => {
    expect(exitCodeFor(new TrajectoryNetError('BAD_CONFIG', 'x'))).toBe(2);
    expect(exitCodeFor(new TrajectoryNetError('BAD_ARGUMENT', 'x'))).toBe(2);
    expect(exitCodeFor(new TrajectoryNetError('ENOENT', 'x'))).toBe(3);
    expect(exitCodeFor(new TrajectoryNetError('BAD_CHECKPOINT', 'x'))).toBe(4);
    expect(exitCodeFor(new TrajectoryNetError('DIVERGED', 'x'))).toBe(5);
    expect(exitCodeFor(new TrajectoryNetError('DISK_FULL', 'x'))).toBe(6);
    expect(exitCodeFor(new TrajectoryNetError('WORKER', 'x'))).toBe(1);
    expect(exitCodeFor(new RangeError('x'))).toBe(1);
    expect(exitCodeFor('a string')).toBe(1);
    expect(categoryOf('SOMETHING_NEW')).toBe('internal');
    expect(new Set(Object.values(EXIT_CODES)).size).toBe(Object.keys(EXIT_CODES).length);
  });

  it('is recognised across copies of the package (brand, not only instanceof)', () => {
    const foreign = new TrajectoryNetError('BAD_INPUT', 'x');
    Object.setPrototypeOf(foreign, Error.prototype); // as if built by another copy of the class
    expect(foreign instanceof TrajectoryNetError).toBe(false);
    expect(isTrajectoryNetError(foreign)).toBe(true);
    expect(isTrajectoryNetError(new Error('x'))).toBe(false);
  });

  it('describes user errors in one line and bugs with their stack', () => {
    expect(describeError(new TrajectoryNetError('BAD_CONFIG', 'unknown key', { path: 'model.widht' }))).toBe('model.widht: unknown key');
    const bug = new TypeError('undefined is not a function');
    expect(describeError(bug)).toContain('at ');
    expect(describeError(new TrajectoryNetError('WORKER', 'died')).split('\n').length).toBeGreaterThan(1);
  });
});
