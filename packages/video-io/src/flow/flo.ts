/** Middlebury .flo files: float32 202021.25, int32 width, int32 height, then (u, v) float32 pairs row by row (little-endian). */
import { readFile } from 'node:fs/promises';
import { writeFileDurable } from '@trajectorynet/core/node';
import { fromFsError, VideoIOError } from '../errors.js';

import type { Flow } from '@trajectorynet/core';

export type { Flow };

const MAGIC = 202021.25;

export async function readFlo(path: string): Promise<Flow> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw fromFsError(path, error);
  }
  if (bytes.length < 12 || bytes.readFloatLE(0) !== MAGIC) throw new VideoIOError('CORRUPT', 'not a .flo file (bad magic number)', { path });
  const width = bytes.readInt32LE(4);
  const height = bytes.readInt32LE(8);
  if (width <= 0 || height <= 0 || width > 1 << 16 || height > 1 << 16) throw new VideoIOError('CORRUPT', `implausible size ${width}x${height}`, { path });
  const expected = 12 + width * height * 8;
  if (bytes.length < expected) throw new VideoIOError('TRUNCATED', `${bytes.length} bytes, a ${width}x${height} flow needs ${expected}`, { path });
  const u = new Float32Array(width * height);
  const v = new Float32Array(width * height);
  for (let i = 0; i < width * height; i++) {
    u[i] = bytes.readFloatLE(12 + i * 8);
    v[i] = bytes.readFloatLE(16 + i * 8);
  }
  return { width, height, u, v };
}

export function encodeFlo(flow: Flow): Buffer {
  const bytes = Buffer.alloc(12 + flow.width * flow.height * 8);
  bytes.writeFloatLE(MAGIC, 0);
  bytes.writeInt32LE(flow.width, 4);
  bytes.writeInt32LE(flow.height, 8);
  for (let i = 0; i < flow.width * flow.height; i++) {
    bytes.writeFloatLE(flow.u[i], 12 + i * 8);
    bytes.writeFloatLE(flow.v[i], 16 + i * 8);
  }
  return bytes;
}

export async function writeFlo(path: string, flow: Flow): Promise<void> {
  await writeFileDurable(path, encodeFlo(flow));
}
