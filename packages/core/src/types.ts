/** The data every package exchanges, one type each. */

/** A dense displacement field from one frame to the next, in pixels, row-major. Values above 1e9 mean unknown (Middlebury). */
export interface Flow {
  width: number;
  height: number;
  /** Horizontal displacements (to the right). */
  u: Float32Array;
  /** Vertical displacements (down). */
  v: Float32Array;
}

/** An 8-bit image, row-major; rgb24 (3 interleaved channels) unless `channels` says 1 (grey). */
export interface Image {
  width: number;
  height: number;
  data: Uint8Array;
  channels?: 1 | 3;
}
