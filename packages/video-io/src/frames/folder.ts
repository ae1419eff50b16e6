/**
 * Frame folders (mmaction "rawframes": img_00001.jpg; Something-Something V1:
 * 00001.jpg) decoded with sharp to rgb24, and frames written back atomically.
 */
import { existsSync, readdirSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import type { Image } from '@trajectorynet/core';
import { writeFileDurable } from '@trajectorynet/core/node';
import { fromFsError, VideoIOError } from '../errors.js';
import type { Frames, Size } from '../ffmpeg/decode.js';
import { probeVideo } from '../ffmpeg/probe.js';
import { decodePnm } from './pnm.js';

/** An rgb24 image (@trajectorynet/core's `Image`). */
export type RgbImage = Image;

/** Default file-name template: `{}` is the 1-based frame number, `{:05d}` zero-padded to 5 digits. */
export const DEFAULT_TEMPLATE = 'img_{:05d}.jpg';

/** The file name of 0-based frame `index` under `template` ('img_{:05d}.jpg', '{:05d}.jpg', 'frame{}.png'). */
export function frameFileName(template: string, index: number): string {
  return template.replace(/\{(?::0?(\d+)d)?\}/, (_, width?: string) => String(index + 1).padStart(width ? Number(width) : 0, '0'));
}

/** Decodes one image file to rgb24 (optionally resized, bilinear). */
export async function readImage(file: string, resize?: Size): Promise<RgbImage> {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.ppm' || ext === '.pgm') {
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (error) {
      throw fromFsError(file, error);
    }
    const image = decodePnm(file, bytes);
    return resize ? readImageBuffer(file, image, resize) : image;
  }
  try {
    let pipeline = sharp(file).removeAlpha().toColourspace('srgb');
    if (resize) pipeline = pipeline.resize(resize.width, resize.height, { fit: 'fill', kernel: 'linear' });
    const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`expected 3 channels, got ${info.channels}`);
    return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || /missing|no such file/i.test((error as Error).message)) {
      throw new VideoIOError('ENOENT', 'no such image file', { path: file, cause: error });
    }
    throw new VideoIOError('CORRUPT', `cannot decode the image: ${(error as Error).message}`, { path: file, cause: error });
  }
}

async function readImageBuffer(file: string, image: RgbImage, size: Size): Promise<RgbImage> {
  const { data, info } = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(size.width, size.height, { fit: 'fill', kernel: 'linear' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new VideoIOError('CORRUPT', `expected 3 channels after resizing, got ${info.channels}`, { path: file });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

/** Writes an rgb24 image as JPEG or PNG (by extension), atomically. */
export async function writeFrame(file: string, image: RgbImage, options: { quality?: number } = {}): Promise<void> {
  const ext = path.extname(file).toLowerCase();
  const raw = sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } });
  let encoded: Buffer;
  if (ext === '.jpg' || ext === '.jpeg') encoded = await raw.jpeg({ quality: options.quality ?? 95 }).toBuffer();
  else if (ext === '.png') encoded = await raw.png().toBuffer();
  else throw new VideoIOError('BAD_ARGUMENT', `unsupported image extension '${ext}' (use .jpg or .png)`, { path: file });
  await writeFileDurable(file, encoded);
}

export interface FolderOptions {
  template?: string;
  /** 0-based frame indices; all frames when omitted. */
  indices?: number[];
  resize?: Size;
}

/** The file-name template of a frame folder: mmaction's img_00001.jpg or Something-Something's 00001.jpg; null for neither. */
export function detectFrameTemplate(dir: string): string | null {
  if (existsSync(path.join(dir, frameFileName(DEFAULT_TEMPLATE, 0)))) return DEFAULT_TEMPLATE;
  if (existsSync(path.join(dir, frameFileName('{:05d}.jpg', 0)))) return '{:05d}.jpg';
  // any other <prefix><zero-padded 1>.<image extension>, e.g. frame_0001.png
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return null;
  }
  for (const name of names) {
    const match = /^(.*?)(0*1)\.(jpe?g|png|bmp|webp)$/i.exec(name);
    if (match == null) continue;
    const template = `${match[1]}{:0${match[2].length}d}.${match[3]}`;
    if (frameFileName(template, 0) === name) return template;
  }
  return null;
}

/** Number of frames in a folder: consecutive files 1, 2, ... under the template. */
export async function countFolderFrames(dir: string, template = DEFAULT_TEMPLATE): Promise<number> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    throw fromFsError(dir, error);
  }
  const present = new Set(names);
  let count = 0;
  while (present.has(frameFileName(template, count))) count += 1;
  if (count === 0) throw new VideoIOError('CORRUPT', `no frames named like ${frameFileName(template, 0)}`, { path: dir });
  return count;
}

export async function readFrameFolder(dir: string, options: FolderOptions = {}): Promise<Frames> {
  const template = options.template ?? DEFAULT_TEMPLATE;
  const count = await countFolderFrames(dir, template);
  const indices = options.indices ?? Array.from({ length: count }, (_, i) => i);
  const past = indices.find((i) => i >= count || i < 0);
  if (past != null) throw new VideoIOError('OUT_OF_RANGE', `frame ${past} requested but the folder has ${count} frames (${frameFileName(template, 0)}...)`, { path: dir });
  const unique = [...new Set(indices)];
  const images = new Map<number, RgbImage>();
  await Promise.all(unique.map(async (i) => images.set(i, await readImage(path.join(dir, frameFileName(template, i)), options.resize))));
  const first = images.get(indices[0]) as RgbImage;
  for (const [i, image] of images) {
    if (image.width !== first.width || image.height !== first.height) {
      throw new VideoIOError('CORRUPT', `size ${image.width}x${image.height} differs from the folder's ${first.width}x${first.height}`, { path: path.join(dir, frameFileName(template, i)) });
    }
  }
  return { width: first.width, height: first.height, frames: indices.map((i) => (images.get(i) as RgbImage).data) };
}

/** Frames of a video file or a frame folder. */
export async function countFrames(pathOrDir: string, options: { template?: string } = {}): Promise<number> {
  let isDir: boolean;
  try {
    isDir = (await stat(pathOrDir)).isDirectory();
  } catch (error) {
    throw fromFsError(pathOrDir, error);
  }
  return isDir ? countFolderFrames(pathOrDir, options.template) : (await probeVideo(pathOrDir)).frameCount;
}
