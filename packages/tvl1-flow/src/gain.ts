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
/** A fit outside these gains is taken as a failure (too few or no matched pixels) and ignored. */
const [MIN_GAIN, MAX_GAIN] = [0.5, 2];

export interface GainOffset {
  gain: number;
  offset: number;
}

/**
 * The (gain, offset) minimising sum |b_i - gain a_i - offset| over the pixels where b is not NaN (NaN: no
 * match), by IRLS from (1, 0); (1, 0) when fewer than 16 pixels are usable or the fit leaves [0.5, 2].
 */
export function fitGainOffset(a: Float32Array, b: Float32Array): GainOffset {
  let [gain, offset] = [1, 0];
  for (let round = 0; round < ROUNDS; round++) {
    let [sw, sa, sb, saa, sab, count] = [0, 0, 0, 0, 0, 0];
    for (let i = 0; i < a.length; i++) {
      if (Number.isNaN(b[i])) continue;
      const r = Math.abs(b[i] - gain * a[i] - offset);
      const wi = 1 / (r > DELTA ? r : DELTA);
      sw += wi;
      sa += wi * a[i];
      sb += wi * b[i];
      saa += wi * a[i] * a[i];
      sab += wi * a[i] * b[i];
      count += 1;
    }
    const det = sw * saa - sa * sa;
    if (count < 16 || !(det > 1e-9 * sw * saa)) return { gain: 1, offset: 0 };
    gain = (sw * sab - sa * sb) / det;
    offset = (sb - gain * sa) / sw;
  }
  return gain >= MIN_GAIN && gain <= MAX_GAIN && Number.isFinite(offset) ? { gain, offset } : { gain: 1, offset: 0 };
}
