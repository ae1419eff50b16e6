/** Binary PPM (P6) and PGM (P5) images, 8-bit (FlyingChairs ships its pairs as .ppm, which sharp cannot read). */
import { VideoIOError } from '../errors.js';

export function decodePnm(file: string, bytes: Uint8Array): { width: number; height: number; data: Uint8Array } {
  const fields: string[] = [];
  let i = 0;
  // magic, width, height, maxval: whitespace-separated, '#' comments to end of line
  while (fields.length < 4 && i < bytes.length) {
    while (i < bytes.length && /\s/.test(String.fromCharCode(bytes[i]))) i++;
    if (bytes[i] === 0x23) {
      while (i < bytes.length && bytes[i] !== 0x0a) i++;
      continue;
    }
    let token = '';
    while (i < bytes.length && !/\s/.test(String.fromCharCode(bytes[i]))) token += String.fromCharCode(bytes[i++]);
    fields.push(token);
  }
  i++; // the single whitespace byte before the pixels
  const [magic, w, h, max] = fields;
  const width = Number(w);
  const height = Number(h);
  if ((magic !== 'P6' && magic !== 'P5') || !(width > 0) || !(height > 0) || Number(max) !== 255) {
    throw new VideoIOError('CORRUPT', `not an 8-bit binary PPM/PGM (header '${fields.join(' ')}')`, { path: file });
  }
  const channels = magic === 'P6' ? 3 : 1;
  const pixels = bytes.subarray(i, i + width * height * channels);
  if (pixels.length < width * height * channels) throw new VideoIOError('TRUNCATED', `${pixels.length} pixel bytes, ${width}x${height} needs ${width * height * channels}`, { path: file });
  if (channels === 3) return { width, height, data: Uint8Array.from(pixels) };
  const data = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) data[p * 3] = data[p * 3 + 1] = data[p * 3 + 2] = pixels[p];
  return { width, height, data };
}
