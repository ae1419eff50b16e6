/**
 * Where a clip's pair flows come from in Node: per consecutive video frame
 * pair (j -> j+1), as dense_flow, `extract-flow` and flow-queue write them,
 * or a generated sample's true motion. The arithmetic on them (chaining,
 * inversion, cropping with the frames) is flow-math.ts, shared with browsers.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { renderSyntheticFlows } from '../datasets/synthetic.js';
import type { Sample } from '../datasets/manifests.js';
import { VideoIOError } from '../errors.js';
import { type Flow, readFlo } from '../flow/flo.js';
import { DEFAULT_BOUND, flowFileNames, readFlowJpegs } from '../flow/flow-jpeg.js';
import type { PairFlows } from './flow-math.js';

/** Where a pipeline's flows come from. */
export type FlowSpec =
  /** One folder per sample, `<dir>/<sample id without extension>`: x_/y_ JPEGs (mmaction or dense_flow names, quantised with `bound`) or flow_*.flo. */
  | { source: 'files'; dir: string; bound?: number }
  /** The generator's true motion (synthetic samples only), with an optional smooth error (renderSyntheticFlows' `noise`, px at 64x64) or without the spin (`spin: false`). */
  | { source: 'synthetic'; noise?: number; spin?: boolean };

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
        flows ??= renderSyntheticFlows(sample, { noise: spec.noise, spin: spec.spin });
        return flows.forward[j];
      },
      reverse: async (j) => {
        flows ??= renderSyntheticFlows(sample, { noise: spec.noise, spin: spec.spin });
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

