/**
 * The extraction options every flow command takes (tvl1-flow, `trajectorynet
 * extract-flow`, flow-queue), so that a dataset extracted by any of them
 * trains the same way: output format and names, JPEG bound, resize, TV-L1
 * preset, threads.
 */

import { parseSize } from '@trajectorynet/video-io';
import { InvalidArgumentError, Option } from 'commander';
import type { ExtractOptions } from './extract.js';
import type { Tvl1Preset } from './options.js';

/** The parsed flags: pass to `extractOptionsOf`. */
export interface ExtractFlags {
  format: 'jpg' | 'flo';
  naming: 'mmaction' | 'dense_flow';
  bound: number;
  resize?: string;
  tvl1: Tvl1Preset;
  workers?: number;
}

function positive(text: string): number {
  const value = Number(text);
  if (!(value > 0) || !Number.isFinite(value)) throw new InvalidArgumentError(`expected a positive number, got '${text}'`);
  return value;
}

function threads(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new InvalidArgumentError(`expected a positive integer, got '${text}'`);
  return value;
}

/** The largest side --resize takes: 4K frames; beyond, frame buffers outgrow what a JS array can hold. */
export const MAX_RESIZE_SIDE = 4096;

function size(text: string): string {
  let parsed: { width: number; height: number };
  try {
    parsed = parseSize(text);
  } catch {
    throw new InvalidArgumentError('expected WIDTHxHEIGHT with positive numbers, such as 340x256.');
  }
  if (parsed.width > MAX_RESIZE_SIDE || parsed.height > MAX_RESIZE_SIDE) throw new InvalidArgumentError(`expected sides of at most ${MAX_RESIZE_SIDE} pixels, got '${text}'`);
  return text;
}

/** Adds --format, --naming, --bound, --resize, --tvl1 and (unless `workers: false`) --workers to a commander command. */
export function addExtractOptions<C extends { addOption(option: Option): C }>(command: C, include: { workers?: boolean } = {}): C {
  const withOutputs = command
    .addOption(new Option('--format <format>', 'output: dense_flow x/y JPEGs, or .flo files (exact)').choices(['jpg', 'flo']).default('jpg'))
    .addOption(new Option('--naming <naming>', 'JPEG names: x_00001.jpg (mmaction) or flow_x_00001.jpg (dense_flow)').choices(['mmaction', 'dense_flow']).default('mmaction'))
    .addOption(new Option('--bound <px>', 'JPEG quantisation bound in pixels (dense_flow uses 20)').argParser(positive).default(20))
    .addOption(new Option('--resize <WxH>', 'resize frames first, e.g. 340x256').argParser(size))
    .addOption(new Option('--tvl1 <preset>', 'TV-L1 parameters: accurate (default), ipol or opencv (see the tvl1-flow README)').choices(['accurate', 'ipol', 'opencv']).default('accurate'));
  return include.workers === false ? withOutputs : withOutputs.addOption(new Option('--workers <n>', 'worker threads (default: one per core)').argParser(threads));
}

export function extractOptionsOf(flags: ExtractFlags): ExtractOptions {
  return {
    format: flags.format,
    naming: flags.naming,
    bound: flags.bound,
    resize: flags.resize != null ? parseSize(flags.resize) : undefined,
    workers: flags.workers,
    tvl1: { preset: flags.tvl1 },
  };
}
