import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readImage } from '@trajectorynet/video-io';
import type { GrayImage } from '../src/index.js';

/** The shared real test data (../shared/data beside the repository, or TRAJECTORYNET_DATA). */
export const DATA = process.env.TRAJECTORYNET_DATA ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../shared/data');

/** Real images for synthetic pairs: the three FlyingChairs first frames and a video frame, gray. */
export async function loadTextures(): Promise<GrayImage[]> {
  const files = ['flow/flyingchairs/0000000-img0.ppm', 'flow/flyingchairs/0000001-img0.ppm', 'flow/flyingchairs/0000002-img0.ppm', 'rawframes/img_00001.jpg'];
  return Promise.all(
    files.map(async (f) => {
      const rgb = await readImage(path.join(DATA, f));
      const data = new Float32Array(rgb.width * rgb.height);
      for (let i = 0; i < data.length; i++) data[i] = 0.299 * rgb.data[3 * i] + 0.587 * rgb.data[3 * i + 1] + 0.114 * rgb.data[3 * i + 2];
      return { width: rgb.width, height: rgb.height, data };
    }),
  );
}
