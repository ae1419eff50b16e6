/**
 * Data parallelism for tfjs variables over a ProcessGroup, the way PyTorch's
 * DistributedDataParallel does it: rank 0's weights are broadcast at the
 * start; each step's gradients go through one flat buffer (one allreduce, not
 * one per tensor: measured 3x faster at 600 tensors), averaged over the
 * ranks; BatchNorm statistics and other non-trainable weights ride along in
 * the same buffer and are averaged; a last element counts the ranks whose
 * gradients were not finite, so that every rank takes the same decision to
 * skip the step.
 *
 * Under tfjs's wasm backend the flat buffer is a tensor on the wasm heap,
 * reduced there in place: one concat kernel gathers it, a native pass counts
 * its non-finite gradients, Gloo sums it where it is and the addon's waiting
 * thread scales the gradients, and one heap copy per tensor splits it again.
 * Elsewhere (cpu, tensorflow) it is copied out (data()) and back (tf.tensor).
 */
import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs';
import { DistributedError } from './errors.js';
import type { ProcessGroup } from './process-group.js';
import { activeWasmHeap, heapView, splitHeap } from './wasm-heap.js';

/** A weight the model reads and writes (tf.LayerVariable and tf.Variable both fit). */
export interface SyncedWeight {
  readonly name: string;
  read(): tf.Tensor;
  write(value: tf.Tensor): unknown;
}

export interface ReducedStep {
  /** The gradients averaged over the ranks (caller disposes), or null when any rank's were not finite. */
  grads: tf.Tensor[] | null;
  /** How many ranks had non-finite gradients (0 when the step goes on). */
  nonFiniteRanks: number;
  /** Where the step's time went on this rank (ms). */
  phases: StepPhases;
  /** Whether the buffer was reduced in place on the wasm heap (else copied out and back). */
  inPlace: boolean;
}

export interface StepPhases {
  /** The gradients, statistics and flag into one flat buffer (and, copying, out of the backend). */
  gatherMs: number;
  /** The allreduce (and, in place, the gradients' scaling), waited for on the event loop. */
  allreduceMs: number;
  /** The flat buffer back into tensors and the non-trainable weights. */
  scatterMs: number;
}

export interface DataParallelOptions {
  /**
   * Reduce on the wasm heap in place (default: whenever the wasm backend is
   * active); false copies the buffer out and back, as on other backends.
   */
  inPlace?: boolean;
}

/** The SHA-256 of what must agree across ranks (model structure, config). */
export function fingerprint(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}

/** Weight names and shapes: the model part of a fingerprint. */
export function modelSignature(weights: readonly SyncedWeight[]): string[] {
  return weights.map((w) => {
    const t = w.read();
    return `${w.name}:${t.shape.join('x')}:${t.dtype}`;
  });
}

export class DataParallel {
  private readonly inPlace: boolean;

  constructor(
    readonly group: ProcessGroup,
    options: DataParallelOptions = {},
  ) {
    this.inPlace = options.inPlace ?? true;
  }

  get rank(): number {
    return this.group.rank;
  }

  get worldSize(): number {
    return this.group.worldSize;
  }

  /**
   * Refuses to start when any rank's fingerprint differs from rank 0's; every
   * rank throws the same one line, naming the ranks that differ.
   */
  async checkFingerprint(hex: string, what = 'model and config'): Promise<void> {
    const mine = Float32Array.from(Buffer.from(hex, 'hex'));
    const reference = mine.slice();
    await this.group.broadcast(reference, 0);
    const differs = new Float32Array(this.worldSize);
    differs[this.rank] = reference.every((v, i) => v === mine[i]) ? 0 : 1;
    await this.group.allreduce(differs);
    const ranks = [...differs].flatMap((v, i) => (v > 0 ? [i] : []));
    if (ranks.length > 0) {
      throw new DistributedError('RANK_MISMATCH', `rank${ranks.length > 1 ? 's' : ''} ${ranks.join(', ')} started with a different ${what} than rank 0; start every rank with the same command and files`, {
        path: `rank ${this.rank}`,
      });
    }
  }

  /** Copies rank 0's weights (trainable and not) into every rank's: one broadcast. */
  async broadcastWeights(weights: readonly SyncedWeight[]): Promise<void> {
    if (weights.length === 0) return;
    const flat = tf.tidy(() => tf.concat(weights.map((w) => checkedFloat(w).reshape([-1]))));
    const buffer = (await flat.data()) as Float32Array;
    flat.dispose();
    await this.group.broadcast(buffer, 0);
    writeFlat(weights, buffer, 0, 1);
  }

  /**
   * One allreduce for the step: `grads` (summed over this rank's
   * micro-batches) come back multiplied by `scale` (e.g. 1 / (ranks x
   * micro-batches)) after summing over ranks; `buffers` (non-trainable weights)
   * are replaced by their mean over the ranks. Does not dispose `grads`.
   */
  async reduceStep(grads: readonly tf.Tensor[], buffers: readonly SyncedWeight[], scale: number): Promise<ReducedStep> {
    const heap = this.inPlace ? activeWasmHeap() : null;
    if (heap != null && grads.every((g) => g.dtype === 'float32')) return this.reduceOnHeap(heap, grads, buffers, scale);
    const started = performance.now();
    const flat = tf.tidy(() => {
      const g = tf.concat(grads.map((t) => t.reshape([-1])));
      const notFinite = tf.cast(tf.logicalNot(tf.all(tf.isFinite(g))), 'float32').reshape([1]);
      return tf.concat([g, ...buffers.map((w) => checkedFloat(w).reshape([-1])), notFinite]);
    });
    const buffer = (await flat.data()) as Float32Array;
    flat.dispose();
    const gathered = performance.now();
    await this.group.allreduce(buffer);
    const reducedAt = performance.now();
    const nonFiniteRanks = Math.round(buffer[buffer.length - 1]);
    const phases = (end: number) => ({ gatherMs: gathered - started, allreduceMs: reducedAt - gathered, scatterMs: end - reducedAt });
    if (nonFiniteRanks > 0) return { grads: null, nonFiniteRanks, phases: phases(reducedAt), inPlace: false };
    let offset = 0;
    const reduced = grads.map((g) => {
      const size = g.size;
      const t = tf.tidy(() => tf.mul(tf.tensor(buffer.subarray(offset, offset + size), g.shape, 'float32'), scale));
      offset += size;
      return t;
    });
    writeFlat(buffers, buffer, offset, 1 / this.worldSize);
    return { grads: reduced, nonFiniteRanks: 0, phases: phases(performance.now()), inPlace: false };
  }

  /** reduceStep on the wasm heap: the flat buffer is a tensor there, reduced in place. */
  private async reduceOnHeap(heap: NonNullable<ReturnType<typeof activeWasmHeap>>, grads: readonly tf.Tensor[], buffers: readonly SyncedWeight[], scale: number): Promise<ReducedStep> {
    const started = performance.now();
    const gradCount = grads.reduce((a, g) => a + g.size, 0);
    // the last element (the non-finite flag) makes at least two inputs: concat allocates a buffer of its own
    const flat = tf.tidy(() => tf.concat([...grads.map((t) => t.reshape([-1])), ...buffers.map((w) => checkedFloat(w).reshape([-1])), tf.zeros([1])]));
    try {
      const view = heapView(heap, flat);
      view[view.length - 1] = this.group.countNonFinite(view, gradCount) > 0 ? 1 : 0;
      const gathered = performance.now();
      await this.group.allreduceScaled(view, gradCount, scale);
      const reducedAt = performance.now();
      // a fresh view: the memory may have grown while waiting
      const nonFiniteRanks = Math.round(heapView(heap, flat)[flat.size - 1]);
      const phases = (end: number) => ({ gatherMs: gathered - started, allreduceMs: reducedAt - gathered, scatterMs: end - reducedAt });
      if (nonFiniteRanks > 0) return { grads: null, nonFiniteRanks, phases: phases(reducedAt), inPlace: true };
      const reduced = splitHeap(
        heap,
        flat,
        0,
        grads.map((g) => g.shape),
      );
      const means = splitHeap(
        heap,
        flat,
        gradCount,
        buffers.map((w) => w.read().shape),
      );
      buffers.forEach((w, i) => {
        const mean = tf.tidy(() => tf.mul(means[i], 1 / this.worldSize));
        w.write(mean);
        mean.dispose();
      });
      tf.dispose(means);
      return { grads: reduced, nonFiniteRanks: 0, phases: phases(performance.now()), inPlace: true };
    } finally {
      flat.dispose();
    }
  }

  /** Sums per-rank values (metric sums, counts) over the ranks. */
  async sum(values: readonly number[]): Promise<number[]> {
    const buffer = Float32Array.from(values);
    await this.group.allreduce(buffer);
    return [...buffer];
  }
}

function checkedFloat(weight: SyncedWeight): tf.Tensor {
  const t = weight.read();
  if (t.dtype !== 'float32') throw new DistributedError('BAD_CONFIG', `only float32 weights can be synchronised, got ${t.dtype}`, { path: weight.name });
  return t;
}

/** Writes consecutive slices of `buffer` (from `offset`, times `scale`) into `weights`. */
function writeFlat(weights: readonly SyncedWeight[], buffer: Float32Array, offset: number, scale: number): number {
  let at = offset;
  for (const w of weights) {
    const shape = w.read().shape;
    const size = shape.reduce((a, b) => a * b, 1);
    const value = tf.tidy(() => {
      const t = tf.tensor(buffer.subarray(at, at + size), shape, 'float32');
      return scale === 1 ? t : tf.mul(t, scale);
    });
    w.write(value);
    value.dispose();
    at += size;
  }
  return at;
}
