/**
 * Checkpoints: one file holding the model weights, the optimiser state and the
 * run state (step, epoch, RNG, config, labels). Written durably (every byte
 * checked, fsync, then rename over the old file) and checked with a SHA-256 on
 * load, so a crash mid-write or a full disk leaves the previous checkpoint, and
 * a damaged file is detected instead of silently loading garbage.
 *
 * Layout: "TJNCKPT1" | uint32 LE header length | header JSON | tensor bytes.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs';
import { writeFileDurable } from '@trajectorynet/core/node';
import { CheckpointError } from './errors.js';

/** A tensor with a name, as tfjs optimisers exchange their state. */
export type NamedTensor = { name: string; tensor: tf.Tensor };

const MAGIC = 'TJNCKPT1';

export interface TensorEntry {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  /** Byte offset into the data section. */
  offset: number;
}

export interface Checkpoint<State> {
  /** Run state: anything JSON (step, epoch, RNG state, config, labels, metrics). */
  state: State;
  weights: NamedTensor[];
  optimizer: NamedTensor[];
}

interface Header<State> {
  state: State;
  weights: TensorEntry[];
  optimizer: TensorEntry[];
  dataBytes: number;
  sha256: string;
}

async function pack(file: string, tensors: NamedTensor[], chunks: Buffer[], start: number): Promise<[TensorEntry[], number]> {
  const entries: TensorEntry[] = [];
  let offset = start;
  for (const { name, tensor } of tensors) {
    if (tensor.dtype !== 'float32' && tensor.dtype !== 'int32') {
      throw new CheckpointError('BAD_CHECKPOINT', `cannot store tensor '${name}' of dtype ${tensor.dtype}`, { path: file });
    }
    const values = await tensor.data();
    const bytes = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
    chunks.push(Buffer.from(bytes)); // copy: wasm reads are views into its heap
    entries.push({ name, shape: tensor.shape, dtype: tensor.dtype, offset });
    offset += bytes.byteLength;
  }
  return [entries, offset];
}

/** Writes the checkpoint to `file` durably; throws DISK_FULL or NOT_WRITABLE (core) and leaves the previous file whole. */
export async function saveCheckpoint<State>(file: string, checkpoint: Checkpoint<State>): Promise<void> {
  const chunks: Buffer[] = [];
  const [weights, afterWeights] = await pack(file, checkpoint.weights, chunks, 0);
  const [optimizer, dataBytes] = await pack(file, checkpoint.optimizer, chunks, afterWeights);
  const data = Buffer.concat(chunks);
  const body = { state: checkpoint.state, weights, optimizer, dataBytes };
  const sha256 = createHash('sha256').update(JSON.stringify(body)).update(data).digest('hex');
  const header = Buffer.from(JSON.stringify({ ...body, sha256 } satisfies Header<State>));
  const prefix = Buffer.alloc(MAGIC.length + 4);
  prefix.write(MAGIC, 0, 'ascii');
  prefix.writeUInt32LE(header.byteLength, MAGIC.length);

  // every byte checked, fsynced, then renamed: a full disk or a kill leaves the previous checkpoint
  await writeFileDurable(file, Buffer.concat([prefix, header, data]));
}

function unpack(entries: TensorEntry[], data: Buffer, file: string): NamedTensor[] {
  return entries.map(({ name, shape, dtype, offset }) => {
    const count = shape.reduce((a, b) => a * b, 1);
    if (offset + count * 4 > data.byteLength) throw new CheckpointError('BAD_CHECKPOINT', `tensor '${name}' runs past the end of the file`, { path: file });
    const copy = new Uint8Array(data.subarray(offset, offset + count * 4));
    const values = dtype === 'int32' ? new Int32Array(copy.buffer) : new Float32Array(copy.buffer);
    return { name, tensor: tf.tensor(values, shape, dtype) };
  });
}

/** Reads and verifies a checkpoint. Throws CheckpointError naming the file on any damage. */
export async function loadCheckpoint<State>(file: string): Promise<Checkpoint<State>> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new CheckpointError('BAD_CHECKPOINT', `cannot read checkpoint (${(error as NodeJS.ErrnoException).code ?? error})`, { path: file, cause: error });
  }
  if (bytes.byteLength < MAGIC.length + 4 || bytes.toString('ascii', 0, MAGIC.length) !== MAGIC) {
    throw new CheckpointError('BAD_CHECKPOINT', 'not a TrajectoryNet checkpoint (bad magic bytes)', { path: file });
  }
  const headerLength = bytes.readUInt32LE(MAGIC.length);
  const dataStart = MAGIC.length + 4 + headerLength;
  let header: Header<State>;
  try {
    header = JSON.parse(bytes.toString('utf8', MAGIC.length + 4, dataStart));
  } catch (error) {
    throw new CheckpointError('BAD_CHECKPOINT', 'the header is damaged or truncated', { path: file, cause: error });
  }
  const data = bytes.subarray(dataStart);
  const { sha256, ...body } = header;
  const actual = createHash('sha256').update(JSON.stringify(body)).update(data).digest('hex');
  if (data.byteLength !== header.dataBytes || actual !== sha256) {
    throw new CheckpointError('BAD_CHECKPOINT', `checksum mismatch: the file is damaged or truncated (${data.byteLength} of ${header.dataBytes} data bytes)`, { path: file });
  }
  return { state: header.state, weights: unpack(header.weights, data, file), optimizer: unpack(header.optimizer, data, file) };
}

/**
 * The model weights to store: keyed by `originalName` (the name before tfjs
 * made it unique in the process), so that a model rebuilt later, even twice in
 * one process, finds its weights.
 */
export function namedWeights(weights: readonly tf.LayerVariable[]): NamedTensor[] {
  return weights.map((w) => ({ name: w.originalName, tensor: w.read() }));
}

/** Copies saved weights into a model's weights; every weight must be present with the same shape. */
export function assignWeights(weights: readonly tf.LayerVariable[], saved: NamedTensor[], file: string): void {
  const byName = new Map(saved.map((s) => [s.name, s.tensor]));
  for (const weight of weights) {
    const value = byName.get(weight.originalName);
    if (value == null) throw new CheckpointError('BAD_CHECKPOINT', `has no weight '${weight.originalName}' (was it saved from another model config?)`, { path: file });
    if (value.shape.join(',') !== weight.shape.join(',')) {
      throw new CheckpointError('BAD_CHECKPOINT', `weight '${weight.originalName}' has shape [${value.shape}] but the model needs [${weight.shape}]`, { path: file });
    }
    weight.write(value);
  }
}

/**
 * Copies the saved weights whose name and shape match into `weights`
 * (transfer: another label set, a backbone without its old head); the others
 * keep their values. Says which were copied and which were not, and why.
 */
export function assignMatchingWeights(weights: readonly tf.LayerVariable[], saved: NamedTensor[]): { loaded: string[]; skipped: { name: string; reason: string }[] } {
  const byName = new Map(saved.map((s) => [s.name, s.tensor]));
  const loaded: string[] = [];
  const skipped: { name: string; reason: string }[] = [];
  for (const weight of weights) {
    const value = byName.get(weight.originalName);
    if (value == null) skipped.push({ name: weight.originalName, reason: 'not in the checkpoint' });
    else if (value.shape.join(',') !== weight.shape.join(',')) skipped.push({ name: weight.originalName, reason: `shape [${value.shape}] there, [${weight.shape}] here` });
    else {
      weight.write(value);
      loaded.push(weight.originalName);
    }
  }
  return { loaded, skipped };
}
