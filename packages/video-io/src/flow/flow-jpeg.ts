/**
 * The dense_flow convention for publishing flow: one 8-bit grayscale JPEG per
 * component, each value clipped to +-bound and mapped to
 * round(255 * (v + bound) / (2 * bound)). Files written by versions that
 * stored 3 identical channels are still read (as their luminance). Names: mmaction x_00001.jpg /
 * y_00001.jpg, dense_flow flow_x_00001.jpg / flow_y_00001.jpg.
 */

import { writeFileDurable } from '@trajectorynet/core/node';
import sharp from 'sharp';
import { VideoIOError } from '../errors.js';
import type { Flow } from './flo.js';

export const DEFAULT_BOUND = 20;

export function quantiseFlow(values: Float32Array, bound: number): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = Math.max(-bound, Math.min(bound, values[i]));
    out[i] = Math.round((255 * (v + bound)) / (2 * bound));
  }
  return out;
}

export function dequantiseFlow(bytes: Uint8Array, bound: number): Float32Array {
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = (bytes[i] * 2 * bound) / 255 - bound;
  return out;
}

async function readGray(file: string): Promise<{ width: number; height: number; data: Uint8Array }> {
  try {
    const { data, info } = await sharp(file).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, info.width * info.height) };
  } catch (error) {
    const missing = /missing|no such file/i.test((error as Error).message);
    throw new VideoIOError(missing ? 'ENOENT' : 'CORRUPT', missing ? 'no such flow image' : `cannot decode the flow image: ${(error as Error).message}`, { path: file, cause: error });
  }
}

export async function readFlowJpegs(xPath: string, yPath: string, options: { bound?: number } = {}): Promise<Flow> {
  const bound = options.bound ?? DEFAULT_BOUND;
  const [x, y] = await Promise.all([readGray(xPath), readGray(yPath)]);
  if (x.width !== y.width || x.height !== y.height) throw new VideoIOError('CORRUPT', `size ${y.width}x${y.height} differs from ${xPath} (${x.width}x${x.height})`, { path: yPath });
  return { width: x.width, height: x.height, u: dequantiseFlow(x.data, bound), v: dequantiseFlow(y.data, bound) };
}

export async function writeFlowJpegs(xPath: string, yPath: string, flow: Flow, options: { bound?: number; quality?: number } = {}): Promise<void> {
  const bound = options.bound ?? DEFAULT_BOUND;
  const encode = (values: Float32Array) =>
    // one channel, as dense_flow writes them (sharp would otherwise convert to 3-channel sRGB)
    sharp(quantiseFlow(values, bound), { raw: { width: flow.width, height: flow.height, channels: 1 } })
      .toColourspace('b-w')
      .jpeg({ quality: options.quality ?? 95 })
      .toBuffer();
  const [x, y] = await Promise.all([encode(flow.u), encode(flow.v)]);
  await Promise.all([writeFileDurable(xPath, x), writeFileDurable(yPath, y)]);
}

/** File names of the flow from frame `index1Based` to the next. */
export function flowFileNames(index1Based: number, naming: 'mmaction' | 'dense_flow' = 'mmaction'): { x: string; y: string } {
  const n = String(index1Based).padStart(5, '0');
  return naming === 'mmaction' ? { x: `x_${n}.jpg`, y: `y_${n}.jpg` } : { x: `flow_x_${n}.jpg`, y: `flow_y_${n}.jpg` };
}
