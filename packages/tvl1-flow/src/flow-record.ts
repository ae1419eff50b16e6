/**
 * What a flow folder was made from and how, written beside its flows as
 * `flow-settings.json`: the input's identity (resolved path, size and
 * modification time, so that another video under the same name or an edited
 * one is not mistaken for it), the frame size flow was computed at, the
 * resolved TV-L1 settings and the output format and quantisation. Readers
 * (extract-flow, training, predict) compare it with what they need before
 * trusting the files; a folder without it was written by another tool or an
 * older version.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { writeFileDurable } from '@trajectorynet/core/node';
import type { Size } from '@trajectorynet/video-io';
import { resolveOptions, type Tvl1Options, type Tvl1Settings } from './options.js';

export const FLOW_RECORD = 'flow-settings.json';

export interface InputIdentity {
  /** The resolved path. */
  path: string;
  /** A file's size in bytes; for a frame folder, its number of frames. */
  size: number;
  mtimeMs: number;
}

export interface FlowRecord {
  version: 1;
  input: InputIdentity;
  /** The frame size requested (null: the input's own size). */
  resize: Size | null;
  format: 'jpg' | 'flo';
  /** The JPEG quantisation bound (null for .flo). */
  bound: number | null;
  naming: 'mmaction' | 'dense_flow' | null;
  tvl1: Tvl1Settings;
}

export interface FlowRecordSettings {
  format: 'jpg' | 'flo';
  bound: number;
  naming: 'mmaction' | 'dense_flow';
  resize?: Size;
  tvl1?: Tvl1Options;
}

const isFlowOutput = (name: string) => name === FLOW_RECORD || name.startsWith('.') || /^(x_|y_|flow_x_|flow_y_)\d+\.jpg$|^flow_\d+\.flo$/.test(name);

/**
 * The identity of a video file or frame folder: resolved path, size and
 * modification time. A frame folder's size is its number of frames and its
 * time that of its first or last frame, whichever is newer (flows written
 * into the same folder, as in mmaction's rawframes layout, change neither).
 */
export async function inputIdentity(input: string): Promise<InputIdentity> {
  const resolved = path.resolve(input);
  const info = await stat(resolved);
  if (!info.isDirectory()) return { path: resolved, size: info.size, mtimeMs: Math.round(info.mtimeMs) };
  const frames = (await readdir(resolved)).filter((n) => !isFlowOutput(n)).sort();
  const ends = frames.length === 0 ? [] : [frames[0], frames[frames.length - 1]];
  const times = await Promise.all(ends.map(async (n) => (await stat(path.join(resolved, n))).mtimeMs));
  return { path: resolved, size: frames.length, mtimeMs: Math.round(Math.max(0, ...times)) };
}

export async function flowRecordOf(input: string, settings: FlowRecordSettings): Promise<FlowRecord> {
  return {
    version: 1,
    input: await inputIdentity(input),
    resize: settings.resize != null ? { width: settings.resize.width, height: settings.resize.height } : null,
    format: settings.format,
    bound: settings.format === 'jpg' ? settings.bound : null,
    naming: settings.format === 'jpg' ? settings.naming : null,
    tvl1: resolveOptions(settings.tvl1 ?? {}),
  };
}

/** The record of a flow folder, or null when it has none (or an unreadable one). */
export async function readFlowRecord(folder: string): Promise<FlowRecord | null> {
  try {
    const record = JSON.parse(await readFile(path.join(folder, FLOW_RECORD), 'utf8')) as FlowRecord;
    return record?.version === 1 ? record : null;
  } catch {
    return null;
  }
}

export async function writeFlowRecord(folder: string, record: FlowRecord): Promise<void> {
  await writeFileDurable(path.join(folder, FLOW_RECORD), `${JSON.stringify(record, null, 2)}\n`);
}

const sizeText = (size: Size | null) => (size == null ? 'native size' : `${size.width}x${size.height}`);

/**
 * How `found` differs from `wanted`, in words (e.g. "size 96x73, wanted
 * 128x97"), or null when they match. Only the keys given in `wanted` are
 * compared, so a reader that does not know the TV-L1 settings (training on
 * another tool's flows) checks what it can.
 */
export function recordMismatch(found: FlowRecord, wanted: Partial<Omit<FlowRecord, 'version'>>): string | null {
  const differences: string[] = [];
  if (wanted.input != null) {
    const a = found.input;
    const b = wanted.input;
    if (a.path !== b.path) differences.push(`made from ${a.path}, not ${b.path}`);
    else if (a.size !== b.size || a.mtimeMs !== b.mtimeMs) differences.push(`made from an earlier version of ${a.path}`);
  }
  if (wanted.resize !== undefined && sizeText(found.resize) !== sizeText(wanted.resize)) differences.push(`frame size ${sizeText(found.resize)}, wanted ${sizeText(wanted.resize)}`);
  if (wanted.format != null && found.format !== wanted.format) differences.push(`format ${found.format}, wanted ${wanted.format}`);
  if (wanted.bound !== undefined && found.bound !== wanted.bound) differences.push(`JPEG bound ${found.bound ?? 'none'}, wanted ${wanted.bound ?? 'none'}`);
  if (wanted.naming !== undefined && found.naming !== wanted.naming) differences.push(`names ${found.naming ?? 'none'}, wanted ${wanted.naming ?? 'none'}`);
  if (wanted.tvl1 != null && JSON.stringify(found.tvl1) !== JSON.stringify(wanted.tvl1)) {
    const keys = Object.keys(wanted.tvl1).filter((k) => JSON.stringify(found.tvl1?.[k as keyof Tvl1Settings]) !== JSON.stringify(wanted.tvl1?.[k as keyof Tvl1Settings]));
    differences.push(`TV-L1 ${keys.map((k) => `${k} ${JSON.stringify(found.tvl1?.[k as keyof Tvl1Settings])}`).join(', ')}, wanted ${keys.map((k) => JSON.stringify(wanted.tvl1?.[k as keyof Tvl1Settings])).join(', ')}`);
  }
  return differences.length > 0 ? differences.join('; ') : null;
}
