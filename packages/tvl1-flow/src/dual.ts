/**
 * The two halves of Chambolle's dual projection for total variation, shared
 * by the TV-L1 solver and the ROF denoising of the structure-texture split:
 * the divergence with backward differences and the projected dual step on
 * forward differences (its adjoint), borders as in the IPOL code.
 */

/** Backward difference along one axis at index i (IPOL's divergence: the adjoint of the forward gradient). */
export function backward(p: Float32Array, i: number, step: number, first: boolean, last: boolean): number {
  return first ? p[i] : last ? -p[i - step] : p[i] - p[i - step];
}

/** Chambolle's projection step p = (p + taut grad u) / (1 + taut |grad u|) for both components (forward differences, zero past the last row/column). */
export function dualStep(u1: Float32Array, u2: Float32Array, p11: Float32Array, p12: Float32Array, p21: Float32Array, p22: Float32Array, w: number, h: number, taut: number): void {
  for (let y = 0; y < h; y++) {
    const lastRow = y === h - 1;
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const lastColumn = x === w - 1;
      const u1x = lastColumn ? 0 : u1[i + 1] - u1[i];
      const u1y = lastRow ? 0 : u1[i + w] - u1[i];
      const u2x = lastColumn ? 0 : u2[i + 1] - u2[i];
      const u2y = lastRow ? 0 : u2[i + w] - u2[i];
      const r1 = 1 / (1 + taut * Math.sqrt(u1x * u1x + u1y * u1y));
      const r2 = 1 / (1 + taut * Math.sqrt(u2x * u2x + u2y * u2y));
      p11[i] = (p11[i] + taut * u1x) * r1;
      p12[i] = (p12[i] + taut * u1y) * r1;
      p21[i] = (p21[i] + taut * u2x) * r2;
      p22[i] = (p22[i] + taut * u2y) * r2;
    }
  }
}
