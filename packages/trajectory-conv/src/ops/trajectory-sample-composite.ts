/**
 * Trajectory sampling and its two gradients written with tfjs's own ops
 * (gather, unsortedSegmentSum, elementwise arithmetic), so that a backend with
 * no kernel of ours keeps the data on its device: tfjs-node-gpu cannot load a
 * custom native op (tensorflow/tfjs#3312), but it runs TensorFlow's Gather and
 * UnsortedSegmentSum on the GPU. The same semantics as the cpu kernel
 * (kernels/trajectory-sample.ts): bilinear corners outside the map and taps
 * outside the clip contribute zero.
 *
 * Every tap's four corners become rows of x flattened to [N*T*H*W, C]: the
 * forward gathers them and weighs them, the gradient into x scatters the
 * weighted output gradient back onto them (unsortedSegmentSum, the transpose
 * of gather), the gradient into the offsets is the output gradient dotted
 * with the corners, weighed by the bilinear weights' derivatives.
 */
import * as tf from '@tensorflow/tfjs';
import type { SampleAttrs } from '../kernels/trajectory-sample.js';

/** The four corners of every tap: their rows in x flattened, their weights and the weights' derivatives. */
interface Corners {
  /** [S * 4] int32 rows of x as [N*T*H*W, C] (clamped into the map; invalid corners weigh zero). */
  rows: tf.Tensor1D;
  /** [S, 4, 1] bilinear weights, zero for corners outside the map or taps outside the clip. */
  weights: tf.Tensor3D;
  /** [S, 4] d weight / d dx and d weight / d dy (zero where the weight is forced to zero). */
  dWeightDx: tf.Tensor2D;
  dWeightDy: tf.Tensor2D;
}

/** Which frame tap k of output time `to` reads (clamped) and whether it lies in the clip: [To, K] each. */
function tapFrames(t: number, to: number, k: number, attrs: SampleAttrs): { frame: tf.Tensor; inClip: tf.Tensor } {
  const half = (k - 1) / 2;
  const frame = new Int32Array(to * k);
  const inClip = new Float32Array(to * k);
  for (let o = 0; o < to; o++) {
    for (let tap = 0; tap < k; tap++) {
      const source = o * attrs.stride + (tap - half) * attrs.dilation;
      frame[o * k + tap] = Math.min(Math.max(source, 0), t - 1);
      inClip[o * k + tap] = source >= 0 && source < t ? 1 : 0;
    }
  }
  return { frame: tf.tensor(frame, [1, to, 1, 1, k], 'int32'), inClip: tf.tensor(inClip, [1, to, 1, 1, k]) };
}

/** The corners of every tap of x [N, T, H, W, C] sampled at offsets [N, To, H, W, K, 2]. Call inside tf.tidy. */
function corners(xShape: number[], offsets: tf.Tensor, attrs: SampleAttrs): Corners {
  const [n, t, h, w] = xShape;
  const [, to, , , k] = offsets.shape;
  const samples = n * to * h * w * k;
  const { frame, inClip } = tapFrames(t, to, k, attrs);
  const [dx, dy] = tf.unstack(offsets, 5);
  const px = tf.add(tf.range(0, w).reshape([1, 1, 1, w, 1]), dx);
  const py = tf.add(tf.range(0, h).reshape([1, 1, h, 1, 1]), dy);
  const x0 = tf.floor(px);
  const y0 = tf.floor(py);
  const fx = tf.sub(px, x0);
  const fy = tf.sub(py, y0);
  // first row of each tap's frame: (n * T + frame) * H * W
  // (plain numbers would make these float32: tfjs reads a number as a float32 scalar)
  const int = (value: number) => tf.scalar(value, 'int32');
  const frameRow = tf.mul(tf.add(tf.mul(tf.range(0, n, 1, 'int32').reshape([n, 1, 1, 1, 1]), int(t)), frame), int(h * w));
  const rows: tf.Tensor[] = [];
  const weights: tf.Tensor[] = [];
  const dWeightDx: tf.Tensor[] = [];
  const dWeightDy: tf.Tensor[] = [];
  // corners in the cpu kernel's order: (x0, y0), (x0 + 1, y0), (x0, y0 + 1), (x0 + 1, y0 + 1)
  for (let corner = 0; corner < 4; corner++) {
    const [a, b] = [corner & 1, corner >> 1];
    const cx = a ? tf.add(x0, 1) : x0;
    const cy = b ? tf.add(y0, 1) : y0;
    const inside = tf.mul(
      tf.mul(tf.cast(tf.logicalAnd(tf.greaterEqual(cx, 0), tf.lessEqual(cx, w - 1)), 'float32'), tf.cast(tf.logicalAnd(tf.greaterEqual(cy, 0), tf.lessEqual(cy, h - 1)), 'float32')),
      inClip,
    );
    const wx = a ? fx : tf.sub(1, fx);
    const wy = b ? fy : tf.sub(1, fy);
    const pixel = tf.add(tf.mul(tf.cast(tf.clipByValue(cy, 0, h - 1), 'int32'), int(w)), tf.cast(tf.clipByValue(cx, 0, w - 1), 'int32'));
    rows.push(tf.add(frameRow, pixel));
    weights.push(tf.mul(tf.mul(wx, wy), inside));
    dWeightDx.push(tf.mul(a ? wy : tf.neg(wy), inside));
    dWeightDy.push(tf.mul(b ? wx : tf.neg(wx), inside));
  }
  const perTap = (parts: tf.Tensor[]) => tf.stack(parts, -1).reshape([samples, 4]) as tf.Tensor2D;
  return {
    rows: perTap(rows).reshape([samples * 4]) as tf.Tensor1D,
    weights: perTap(weights).reshape([samples, 4, 1]) as tf.Tensor3D,
    dWeightDx: perTap(dWeightDx),
    dWeightDy: perTap(dWeightDy),
  };
}

const pixelRows = (x: tf.Tensor | number[]) => {
  const shape = Array.isArray(x) ? x : x.shape;
  return shape[0] * shape[1] * shape[2] * shape[3];
};

/** The corner values of every tap: [S, 4, C]. */
function gatherCorners(x: tf.Tensor, c: Corners): tf.Tensor3D {
  const channels = x.shape[4] as number;
  const samples = c.weights.shape[0];
  return tf.gather(x.reshape([pixelRows(x), channels]), c.rows).reshape([samples, 4, channels]) as tf.Tensor3D;
}

/** x [N, T, H, W, C], offsets [N, To, H, W, K, 2] -> samples [N, To, H, W, K, C] (no gradient of its own: see compositeTrajectorySample). */
export function compositeSampleForward(x: tf.Tensor, offsets: tf.Tensor, attrs: SampleAttrs): tf.Tensor {
  return tf.tidy(() => {
    const c = corners(x.shape, offsets, attrs);
    return tf.sum(tf.mul(gatherCorners(x, c), c.weights), 1).reshape([...offsets.shape.slice(0, 5), x.shape[4] as number]);
  });
}

/** d loss / d x for the output gradient dy [N, To, H, W, K, C]: the weighted dy scattered onto the corners. */
export function compositeSampleGradX(dy: tf.Tensor, x: tf.Tensor, offsets: tf.Tensor, attrs: SampleAttrs): tf.Tensor {
  return tf.tidy(() => {
    const c = corners(x.shape, offsets, attrs);
    const channels = x.shape[4] as number;
    const samples = c.weights.shape[0];
    const spread = tf.mul(c.weights, dy.reshape([samples, 1, channels])).reshape([samples * 4, channels]);
    return tf.unsortedSegmentSum(spread, c.rows, pixelRows(x)).reshape(x.shape);
  });
}

/** d loss / d offsets for dy: per tap, sum over corners of (dy . corner value) * d weight / d offset. */
export function compositeSampleGradOffsets(dy: tf.Tensor, x: tf.Tensor, offsets: tf.Tensor, attrs: SampleAttrs): tf.Tensor {
  return tf.tidy(() => {
    const c = corners(x.shape, offsets, attrs);
    const channels = x.shape[4] as number;
    const samples = c.weights.shape[0];
    const dots = tf.sum(tf.mul(gatherCorners(x, c), dy.reshape([samples, 1, channels])), 2);
    const ddx = tf.sum(tf.mul(dots, c.dWeightDx), 1);
    const ddy = tf.sum(tf.mul(dots, c.dWeightDy), 1);
    return tf.stack([ddx, ddy], 1).reshape(offsets.shape);
  });
}

/** The composite forward with the composite gradients: what trajectorySample runs on a backend without our kernel. */
export function compositeTrajectorySample(x: tf.Tensor, offsets: tf.Tensor, attrs: SampleAttrs): tf.Tensor {
  const sample = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xs, os, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    save([xs, os]);
    return {
      value: compositeSampleForward(xs, os, attrs),
      gradFunc: (dy, saved) => {
        const [xSaved, offsetsSaved] = saved;
        return [compositeSampleGradX(dy, xSaved, offsetsSaved, attrs), compositeSampleGradOffsets(dy, xSaved, offsetsSaved, attrs)];
      },
    };
  });
  return sample(x, offsets);
}
