/**
 * A global brightness change between the frames (exposure, lighting) as
 * I1(x + u) = gain * I0(x) + offset, fitted after each warp on the pixels
 * that currently have a match, so that the L1 data term compares
 * I1(x + u) with gain * I0(x) + offset instead of following the change.
 * Unlike matching the frames' global mean and spread (`matchBrightness`),
 * content entering or leaving the frame and mismatched pixels hardly move
 * the fit: it minimises the sum of absolute residuals (L1, by iteratively
 * reweighted least squares), so it follows the majority of pixels.
 */

/** Residuals below this many grey levels weigh as much as this (keeps the reweighting finite). */
const DELTA = 1;
/** Reweighting rounds (each one pass over the pixels); the fit changes by well under a grey level after a few. */
const ROUNDS = 6;
/** Frames above this many pixels are fitted on every k-th pixel only (k odd, about this many samples): a few tens of thousands fix two numbers. */
const SAMPLES = 16384;
/**
 * With minChange, a fit this close to no change ((1, 0)) is taken as none: fits on pairs without a brightness change
 * (validation scenes) move by a few percent and grey levels with the mismatched pixels of each warp, and
 * following them changed those flows for no gain.
 */
const [MIN_GAIN_CHANGE, MIN_OFFSET_CHANGE] = [0.03, 3];
/** A fit outside these gains is taken as a failure (too few or no matched pixels) and ignored. */
const [MIN_GAIN, MAX_GAIN] = [0.5, 2];

export interface GainOffset {
  gain: number;
  offset: number;
}

/**
 * The pixels a fit reads, gathered once: every step-th one where neither a nor b is NaN, in index order. The rounds
 * below then run over dense arrays (no NaN tests, no stride), in the same order and double arithmetic as over the
 * frames themselves.
 */
interface Samples {
  a: Float64Array;
  b: Float64Array;
  count: number;
}

let scratch: Samples = { a: new Float64Array(0), b: new Float64Array(0), count: 0 };

function gather(a: Float32Array, b: Float32Array, step: number): Samples {
  const capacity = Math.ceil(a.length / step);
  if (scratch.a.length < capacity) scratch = { a: new Float64Array(capacity), b: new Float64Array(capacity), count: 0 };
  const { a: sa, b: sb } = scratch;
  let count = 0;
  for (let i = 0; i < a.length; i += step) {
    const ai = a[i];
    const bi = b[i];
    if (Number.isNaN(bi) || Number.isNaN(ai)) continue;
    sa[count] = ai;
    sb[count] = bi;
    count += 1;
  }
  scratch.count = count;
  return scratch;
}

/** The (gain, offset) minimising sum |y_i - gain x_i - offset| over the first n samples, by IRLS from (1, 0). */
function l1Line(x: Float64Array, y: Float64Array, n: number): GainOffset & { count: number } {
  let [gain, offset] = [1, 0];
  if (n < 16) return { gain: 1, offset: 0, count: 0 };
  for (let round = 0; round < ROUNDS; round++) {
    let [sw, sa, sb, saa, sab] = [0, 0, 0, 0, 0];
    for (let i = 0; i < n; i++) {
      const xi = x[i];
      const yi = y[i];
      const wi = 1 / Math.max(Math.abs(yi - gain * xi - offset), DELTA);
      sw += wi;
      sa += wi * xi;
      sb += wi * yi;
      saa += wi * xi * xi;
      sab += wi * xi * yi;
    }
    const det = sw * saa - sa * sa;
    if (!(det > 1e-9 * sw * saa)) return { gain: 1, offset: 0, count: 0 };
    gain = (sw * sab - sa * sb) / det;
    offset = (sb - gain * sa) / sw;
  }
  return { gain, offset, count: n };
}

/** The offset minimising sum |y_i - gain x_i - offset| for a given gain (a weighted median, by IRLS). */
function l1Offset(x: Float64Array, y: Float64Array, n: number, gain: number, start: number): number {
  let offset = start;
  for (let round = 0; round < ROUNDS; round++) {
    let [sw, sr] = [0, 0];
    for (let i = 0; i < n; i++) {
      const r = y[i] - gain * x[i];
      const wi = 1 / Math.max(Math.abs(r - offset), DELTA);
      sw += wi;
      sr += wi * r;
    }
    offset = sr / sw;
  }
  return offset;
}

/** sum |y_i - gain x_i - offset| over the first n samples. */
function residual(x: Float64Array, y: Float64Array, n: number, gain: number, offset: number): number {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Math.abs(y[i] - gain * x[i] - offset);
  return sum;
}

/**
 * I1(x + u) = gain * I0 + offset over the pixels where b = I1(x + u) is not NaN (NaN: no match; above 32768 pixels
 * every k-th one, k odd, about 16384 of them); (1, 0) when fewer
 * than 16 pixels are usable or the fit leaves [0.5, 2]. symmetric: the gain is the geometric mean of the L1 fit of
 * b on a and the inverse of that of a on b, which cancels the shrinking of the gain (regression dilution) while the
 * flow is still wrong and b hardly correlates with a; the offset is then the L1 one for that gain. minChange: (1, 0)
 * for a fit within 0.03 of gain 1 and 3 grey levels of offset 0.
 */
export function fitGainOffset(a: Float32Array, b: Float32Array, options: { symmetric?: boolean; minChange?: boolean; minReduction?: number } = {}): GainOffset {
  const step = a.length > 2 * SAMPLES ? Math.floor(a.length / SAMPLES) | 1 : 1;
  const { a: x, b: y, count: n } = gather(a, b, step);
  const forward = l1Line(x, y, n);
  if (forward.count === 0) return { gain: 1, offset: 0 };
  let { gain, offset } = forward;
  if (options.symmetric) {
    const backward = l1Line(y, x, n);
    if (!(backward.count > 0 && backward.gain > 0 && gain > 0)) return { gain: 1, offset: 0 };
    gain = Math.sqrt(gain / backward.gain);
    offset = l1Offset(x, y, n, gain, offset);
  }
  if (!(gain >= MIN_GAIN && gain <= MAX_GAIN && Number.isFinite(offset))) return { gain: 1, offset: 0 };
  if (options.minChange && Math.abs(gain - 1) < MIN_GAIN_CHANGE && Math.abs(offset) < MIN_OFFSET_CHANGE) return { gain: 1, offset: 0 };
  if (options.minReduction != null && options.minReduction > 0 && residual(x, y, n, gain, offset) > (1 - options.minReduction) * residual(x, y, n, 1, 0)) return { gain: 1, offset: 0 };
  return { gain, offset };
}
