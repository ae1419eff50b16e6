/** Bad MotionNet input: a source without usable frames, a bad option or size. */
export class MotionNetError extends Error {
  override readonly name = 'MotionNetError';
}
