/**
 * Image operations on single-channel Float32Array images (row-major) that
 * TV-L1 needs: gray conversion, Gaussian blur, resampling, gradients,
 * warping (bilinear or bicubic). Borders replicate the
 * edge pixel. Output buffers are passed in so that callers can reuse them.
 */

export interface Gray {
  width: number;
  height: number;
  data: Float32Array;
}

/** RGB (interleaved, 3 channels) or gray to float gray (ITU-R 601 luma weights). */
export function toGray(data: Uint8Array | Float32Array, width: number, height: number, channels: 1 | 3): Float32Array {
  const out = new Float32Array(width * height);
  if (channels === 1) {
    out.set(data.subarray(0, width * height));
    return out;
  }
  for (let i = 0; i < width * height; i++) out[i] = 0.299 * data[i * 3] + 0.587 * data[i * 3 + 1] + 0.114 * data[i * 3 + 2];
  return out;
}

/** Rescales both images jointly to [0, 255] (IPOL: so that lambda means the same for every pair). */
export function normaliseJointly(a: Float32Array, b: Float32Array): void {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const img of [a, b]) for (let i = 0; i < img.length; i++) {
    if (img[i] < min) min = img[i];
    if (img[i] > max) max = img[i];
  }
  const range = max - min;
  if (range <= 0) return;
  const s = 255 / range;
  for (const img of [a, b]) for (let i = 0; i < img.length; i++) img[i] = (img[i] - min) * s;
}

/**
 * Rescales b in place so that its mean and standard deviation are a's: a global gain and offset between the
 * frames (exposure, lighting) would otherwise be a residual everywhere that the L1 data term follows.
 */
export function matchMeanAndSpread(a: Float32Array, b: Float32Array): void {
  const stats = (img: Float32Array) => {
    let [sum, sum2] = [0, 0];
    for (let i = 0; i < img.length; i++) {
      sum += img[i];
      sum2 += img[i] * img[i];
    }
    const mean = sum / img.length;
    return [mean, Math.sqrt(Math.max(0, sum2 / img.length - mean * mean))];
  };
  const [ma, sa] = stats(a);
  const [mb, sb] = stats(b);
  if (!(sb > 0)) return;
  const gain = sa / sb;
  for (let i = 0; i < b.length; i++) b[i] = (b[i] - mb) * gain + ma;
}

function gaussianKernel(sigma: number): Float32Array {
  const radius = Math.max(1, Math.ceil(3 * sigma));
  const k = new Float32Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) {
    k[i + radius] = Math.exp((-i * i) / (2 * sigma * sigma));
    sum += k[i + radius];
  }
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  return k;
}

/** Separable Gaussian blur with replicated borders (clamped taps only within the kernel radius of a border). */
export function gaussianBlur(src: Float32Array, width: number, height: number, sigma: number): Float32Array {
  if (sigma <= 0) return Float32Array.from(src);
  const k = gaussianKernel(sigma);
  const r = (k.length - 1) / 2;
  const tmp = new Float32Array(width * height);
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      let s = 0;
      if (x >= r && x + r < width) for (let i = -r; i <= r; i++) s += k[i + r] * src[row + x + i];
      else
        for (let i = -r; i <= r; i++) {
          const xx = x + i < 0 ? 0 : x + i >= width ? width - 1 : x + i;
          s += k[i + r] * src[row + xx];
        }
      tmp[row + x] = s;
    }
  }
  for (let y = 0; y < height; y++) {
    const inside = y >= r && y + r < height;
    for (let x = 0; x < width; x++) {
      let s = 0;
      if (inside) for (let i = -r; i <= r; i++) s += k[i + r] * tmp[(y + i) * width + x];
      else
        for (let i = -r; i <= r; i++) {
          const yy = y + i < 0 ? 0 : y + i >= height ? height - 1 : y + i;
          s += k[i + r] * tmp[yy * width + x];
        }
      out[y * width + x] = s;
    }
  }
  return out;
}

/** Bilinear sample with replicated borders. */
export function sampleBilinear(src: Float32Array, width: number, height: number, x: number, y: number): number {
  const xc = x < 0 ? 0 : Math.min(x , width - 1);
  const yc = y < 0 ? 0 : Math.min(y , height - 1);
  const x0 = Math.floor(xc);
  const y0 = Math.floor(yc);
  const x1 = x0 + 1 < width ? x0 + 1 : x0;
  const y1 = y0 + 1 < height ? y0 + 1 : y0;
  const fx = xc - x0;
  const fy = yc - y0;
  const a = src[y0 * width + x0];
  const b = src[y0 * width + x1];
  const c = src[y1 * width + x0];
  const d = src[y1 * width + x1];
  return a + fx * (b - a) + fy * (c - a + fx * (d - c - b + a));
}

/** Keys' cubic convolution (a = -0.5), the bicubic of the IPOL code. */
function cubic(v0: number, v1: number, v2: number, v3: number, t: number): number {
  return v1 + 0.5 * t * (v2 - v0 + t * (2 * v0 - 5 * v1 + 4 * v2 - v3 + t * (3 * (v1 - v2) + v3 - v0)));
}

/** Bicubic sample with replicated borders (no allocation: it runs three times per pixel and warp). */
export function sampleBicubic(src: Float32Array, width: number, height: number, x: number, y: number): number {
  const xc = x < 0 ? 0 : Math.min(x, width - 1);
  const yc = y < 0 ? 0 : Math.min(y, height - 1);
  const x1 = Math.floor(xc);
  const y1 = Math.floor(yc);
  const fx = xc - x1;
  const fy = yc - y1;
  const x0 = x1 > 0 ? x1 - 1 : 0;
  const x2 = x1 + 1 < width ? x1 + 1 : width - 1;
  const x3 = x1 + 2 < width ? x1 + 2 : width - 1;
  const r0 = (y1 > 0 ? y1 - 1 : 0) * width;
  const r1 = y1 * width;
  const r2 = (y1 + 1 < height ? y1 + 1 : height - 1) * width;
  const r3 = (y1 + 2 < height ? y1 + 2 : height - 1) * width;
  return cubic(
    cubic(src[r0 + x0], src[r0 + x1], src[r0 + x2], src[r0 + x3], fx),
    cubic(src[r1 + x0], src[r1 + x1], src[r1 + x2], src[r1 + x3], fx),
    cubic(src[r2 + x0], src[r2 + x1], src[r2 + x2], src[r2 + x3], fx),
    cubic(src[r3 + x0], src[r3 + x1], src[r3 + x2], src[r3 + x3], fx),
    fy,
  );
}

/** Resamples to a new size (bilinear on pixel centres); blur first when shrinking. */
export function resize(src: Float32Array, width: number, height: number, newWidth: number, newHeight: number): Float32Array {
  const out = new Float32Array(newWidth * newHeight);
  const sx = width / newWidth;
  const sy = height / newHeight;
  for (let y = 0; y < newHeight; y++) {
    const yy = (y + 0.5) * sy - 0.5;
    for (let x = 0; x < newWidth; x++) out[y * newWidth + x] = sampleBilinear(src, width, height, (x + 0.5) * sx - 0.5, yy);
  }
  return out;
}

/** Centred-difference image gradients (one-sided at the borders). */
export function centredGradient(src: Float32Array, width: number, height: number, gx: Float32Array, gy: Float32Array): void {
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const xl = x > 0 ? i - 1 : i;
      const xr = x < width - 1 ? i + 1 : i;
      const yu = y > 0 ? i - width : i;
      const yd = y < height - 1 ? i + width : i;
      gx[i] = (src[xr] - src[xl]) / (xr - xl === 0 ? 1 : xr - xl);
      gy[i] = (src[yd] - src[yu]) / ((yd - yu) / width === 0 ? 1 : (yd - yu) / width);
    }
  }
}
