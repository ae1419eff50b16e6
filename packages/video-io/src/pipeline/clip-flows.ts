/**
 * The flows of a clip, for trajectory models: between consecutive sampled
 * frames, forward (frame t -> t+1) and backward (t+1 -> t), cropped, resized
 * and flipped exactly as the clip's frames.
 *
 * Flows come per consecutive video frame pair (j -> j+1), as dense_flow,
 * `extract-flow` and flow-queue write them, or from a generated sample's true
 * motion. Sampled frames further apart are joined by following the points
 * through the pairs in between (Eq. 2 of the paper: each next flow read,
 * bilinearly, where the point has got to); the backward flow is the inverse
 * of the forward one (a fixed-point iteration, exact away from occlusions),
 * since dense_flow stores forward flows only.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { renderSyntheticFlows } from '../datasets/synthetic.js';
import type { Sample } from '../datasets/manifests.js';
import { VideoIOError } from '../errors.js';
import { type Flow, readFlo } from '../flow/flo.js';
import { DEFAULT_BOUND, flowFileNames, readFlowJpegs } from '../flow/flow-jpeg.js';
import type { Box } from './transforms.js';

/** Where a pipeline's flows come from. */
export type FlowSpec =
  /** One folder per sample, `<dir>/<sample id without extension>`: x_/y_ JPEGs (mmaction or dense_flow names, quantised with `bound`) or flow_*.flo. */
  | { source: 'files'; dir: string; bound?: number }
  /** The generator's true motion (synthetic samples only). */
  | { source: 'synthetic' };

/** The consecutive flows of one sample, read on demand and kept for the sample's clip. */
export interface PairFlows {
  /** The flow from frame j to j + 1 (0-based). */
  pair(j: number): Promise<Flow>;
  /** The flow from frame j + 1 back to j, when the source knows it (else it is the inverse of `pair(j)`). */
  reverse?(j: number): Promise<Flow>;
}

/** The flow folder of a sample: `<dir>/<id without its extension>`. */
export function flowFolderOf(dir: string, sample: Sample): string {
  const parsed = path.parse(sample.id);
  return path.join(dir, parsed.dir, parsed.name);
}

export function pairFlows(sample: Sample, spec: FlowSpec): PairFlows {
  if (spec.source === 'synthetic') {
    if (sample.kind !== 'synthetic') throw new VideoIOError('BAD_ARGUMENT', "flows from 'synthetic' need a synthetic sample", { path: sample.path });
    let flows: ReturnType<typeof renderSyntheticFlows> | null = null;
    return {
      pair: async (j) => {
        flows ??= renderSyntheticFlows(sample);
        return flows.forward[j];
      },
      reverse: async (j) => {
        flows ??= renderSyntheticFlows(sample);
        return flows.backward[j];
      },
    };
  }
  const folder = flowFolderOf(spec.dir, sample);
  const cache = new Map<number, Promise<Flow>>();
  let naming: 'mmaction' | 'dense_flow' | 'flo' | null = null;
  const detect = (j: number) => {
    for (const candidate of ['mmaction', 'dense_flow'] as const) if (existsSync(path.join(folder, flowFileNames(j + 1, candidate).x))) return candidate;
    if (existsSync(path.join(folder, floName(j)))) return 'flo';
    throw new VideoIOError('ENOENT', `no flow of frames ${j + 1}-${j + 2} (looked for x_${pad(j + 1)}.jpg, flow_x_${pad(j + 1)}.jpg and ${floName(j)}); extract the flows of this video first`, {
      path: folder,
    });
  };
  return {
    pair(j) {
      let flow = cache.get(j);
      if (flow == null) {
        naming ??= detect(j);
        if (naming === 'flo') flow = readFlo(path.join(folder, floName(j)));
        else {
          const { x, y } = flowFileNames(j + 1, naming);
          flow = readFlowJpegs(path.join(folder, x), path.join(folder, y), { bound: spec.bound ?? DEFAULT_BOUND });
        }
        cache.set(j, flow);
      }
      return flow;
    },
  };
}

const pad = (n: number) => String(n).padStart(5, '0');
const floName = (j: number) => `flow_${pad(j + 1)}.flo`;

/** Bilinear read of a plane at (x, y), clamped to the border. */
function sample(plane: Float32Array, width: number, height: number, x: number, y: number): number {
  const cx = Math.min(Math.max(x, 0), width - 1);
  const cy = Math.min(Math.max(y, 0), height - 1);
  const x0 = Math.min(Math.floor(cx), Math.max(0, width - 2));
  const y0 = Math.min(Math.floor(cy), Math.max(0, height - 2));
  const x1 = Math.min(x0 + 1, width - 1);
  const y1 = Math.min(y0 + 1, height - 1);
  const fx = cx - x0;
  const fy = cy - y0;
  const top = plane[y0 * width + x0] + fx * (plane[y0 * width + x1] - plane[y0 * width + x0]);
  const bottom = plane[y1 * width + x0] + fx * (plane[y1 * width + x1] - plane[y1 * width + x0]);
  return top + fy * (bottom - top);
}

/** Follows each pixel through consecutive flows: the displacement from the first frame to the last. */
export function chainFlows(flows: Flow[]): Flow {
  const { width, height } = flows[0];
  const u = Float32Array.from(flows[0].u);
  const v = Float32Array.from(flows[0].v);
  for (const next of flows.slice(1)) {
    if (next.width !== width || next.height !== height) throw new VideoIOError('CORRUPT', `flow sizes differ: ${width}x${height} and ${next.width}x${next.height}`, { path: 'flows' });
    for (let y = 0, i = 0; y < height; y++) {
      for (let x = 0; x < width; x++, i++) {
        const px = x + u[i];
        const py = y + v[i];
        u[i] += sample(next.u, width, height, px, py);
        v[i] += sample(next.v, width, height, px, py);
      }
    }
  }
  return { width, height, u, v };
}

/**
 * The backward flow of a forward flow F: B(q) = -F(q + B(q)), by fixed-point
 * iteration from B = -F. Converges where the motion is smooth (a contraction
 * when the flow's gradient is below 1); at occlusions it settles on one side.
 */
export function invertFlow(forward: Flow, iterations = 10): Flow {
  const { width, height } = forward;
  const u = Float32Array.from(forward.u, (value) => -value);
  const v = Float32Array.from(forward.v, (value) => -value);
  for (let k = 0; k < iterations; k++) {
    for (let y = 0, i = 0; y < height; y++) {
      for (let x = 0; x < width; x++, i++) {
        const px = x + u[i];
        const py = y + v[i];
        const nu = -sample(forward.u, width, height, px, py);
        const nv = -sample(forward.v, width, height, px, py);
        u[i] = nu;
        v[i] = nv;
      }
    }
  }
  return { width, height, u, v };
}

/** The zero flow. */
function still(width: number, height: number): Flow {
  return { width, height, u: new Float32Array(width * height), v: new Float32Array(width * height) };
}

/**
 * Forward and backward flows between consecutive frames of `indices` (video
 * frame numbers, 0-based), at the flow files' resolution. A pair whose frames
 * are not in increasing order (a short video looped, a repeated frame) gets
 * zero motion: no trajectory crosses the loop point.
 */
export async function clipFlows(pairs: PairFlows, indices: number[]): Promise<{ forward: Flow[]; backward: Flow[] }> {
  const forward: Flow[] = [];
  const backward: Flow[] = [];
  let size: { width: number; height: number } | null = null;
  for (let t = 0; t + 1 < indices.length; t++) {
    const [a, b] = [indices[t], indices[t + 1]];
    if (b <= a) {
      forward.push(null as unknown as Flow);
      backward.push(null as unknown as Flow);
      continue;
    }
    const steps = await Promise.all(Array.from({ length: b - a }, (_, k) => pairs.pair(a + k)));
    size ??= steps[0];
    const f = steps.length === 1 ? steps[0] : chainFlows(steps);
    forward.push(f);
    if (pairs.reverse != null) {
      // known backward flows, chained from frame b down to a
      const back = await Promise.all(Array.from({ length: b - a }, (_, k) => (pairs.reverse as NonNullable<PairFlows['reverse']>)(b - 1 - k)));
      backward.push(back.length === 1 ? back[0] : chainFlows(back));
    } else backward.push(invertFlow(f));
  }
  if (size == null) throw new VideoIOError('BAD_ARGUMENT', `the clip's frames ${indices.join(',')} have no pair to take a flow from`, { path: 'indices' });
  const zero = still(size.width, size.height);
  return { forward: forward.map((f) => f ?? zero), backward: backward.map((f) => f ?? zero) };
}

/**
 * Writes flows into `out` at `offset` as [F, outHeight, outWidth, 2] floats,
 * resampled like `framesToFloat` resamples frames of `frameWidth` x
 * `frameHeight`: the same crop box, output size and flip; the vectors scaled
 * to output pixels (and u negated when flipped). Flows may be stored at
 * another resolution than the frames (e.g. extracted at 340x256, decoded at
 * 171x128): they are rescaled to the frames' first. Returns floats written.
 */
export function flowsToFloat(
  flows: Flow[],
  frameWidth: number,
  frameHeight: number,
  t: { box: Box; outWidth: number; outHeight: number; flip: boolean },
  out: Float32Array,
  offset = 0,
): number {
  const { box, outWidth: ow, outHeight: oh } = t;
  let o = offset;
  for (const flow of flows) {
    const toFlowX = flow.width / frameWidth;
    const toFlowY = flow.height / frameHeight;
    // flow pixels -> frame pixels -> output pixels
    const su = (1 / toFlowX) * (ow / box.width) * (t.flip ? -1 : 1);
    const sv = (1 / toFlowY) * (oh / box.height);
    for (let y = 0; y < oh; y++) {
      // frame coordinates of the output pixel centre (as framesToFloat), then flow coordinates
      const fy = Math.min(Math.max(box.y + ((y + 0.5) * box.height) / oh - 0.5, 0), frameHeight - 1);
      const qy = (fy + 0.5) * toFlowY - 0.5;
      for (let xo = 0; xo < ow; xo++) {
        const x = t.flip ? ow - 1 - xo : xo;
        const fx = Math.min(Math.max(box.x + ((x + 0.5) * box.width) / ow - 0.5, 0), frameWidth - 1);
        const qx = (fx + 0.5) * toFlowX - 0.5;
        out[o++] = sample(flow.u, flow.width, flow.height, qx, qy) * su;
        out[o++] = sample(flow.v, flow.width, flow.height, qx, qy) * sv;
      }
    }
  }
  return o - offset;
}
