/**
 * Gradient compression (DDP's fp16/bf16 compress hooks) in real processes:
 * ProcessGroup.allreduceCompressed against a float64 mean computed here from
 * every rank's input, within half precision's rounding bound; values past
 * fp16's range that fit once divided by the ranks come back finite (divided
 * before the cast, summed in float32), the others infinite and counted;
 * DataParallel.reduceStep with compression on both paths.
 */
import { describe, expect, it } from 'vitest';
import { distributedAvailability } from '../src/index.js';
import { runRanks } from './harness.js';

const availability = distributedAvailability();

interface CompressOutput {
  end: number;
  post: number;
  nonFinite: number;
  /** Bytes this rank wrote during the compressed collective, and during a float32 allreduce of the same values. */
  compressedBytes: number;
  float32Bytes: number;
  input: number[];
  output: (number | string)[];
}

// unit roundoff, the half-ulp of the smallest subnormal, and the magnitude from which a value rounds to infinity
const FORMAT = {
  fp16: { u: 2 ** -11, tiny: 2 ** -25, inf: 65520 },
  bf16: { u: 2 ** -8, tiny: 2 ** -134, inf: 3.3961e38 },
};

async function run(format: 'fp16' | 'bf16', scenario: string, world = 2): Promise<CompressOutput[]> {
  const results = await runRanks('fixtures/compress-rank.mjs', [format, scenario], world);
  for (const r of results) {
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  }
  return results.map((r) => JSON.parse(r.stdout) as CompressOutput);
}

/** Per value: the float64 mean times post, the bound on the compressed result's error, and whether a rank's share is past the format's range. */
function reference(outs: CompressOutput[], format: 'fp16' | 'bf16') {
  const { u, tiny, inf } = FORMAT[format];
  const world = outs.length;
  const { end, post } = outs[0];
  return Array.from({ length: end }, (_, i) => {
    const scaled = outs.map((o) => o.input[i] / world);
    const mean = scaled.reduce((a, b) => a + b, 0);
    const absolute = scaled.reduce((a, b) => a + Math.abs(b), 0);
    // each rank's share rounded once to the format, then summed and scaled in float32
    const bound = post * (u * absolute + world * tiny + world * 2 ** -24 * absolute) + 2 ** -24 * Math.abs(mean * post) + 1e-45;
    return { expected: mean * post, bound, overflows: scaled.some((v) => Math.abs(v) >= inf) };
  });
}

/**
 * Counts, per rank, what is wrong (plain loops: a failing toEqual on 40,000
 * values makes vitest diff them for minutes): values outside the bound or
 * finite where a share overflows, values differing from rank 0's bit for bit,
 * values past `end` that changed; and how many results differ from float32's.
 */
function check(outs: CompressOutput[], format: 'fp16' | 'bf16') {
  const ref = reference(outs, format);
  const first: string[] = [];
  const note = (line: string) => first.length < 5 && first.push(line);
  let outside = 0;
  let differ = 0;
  let touched = 0;
  let rounded = 0;
  for (const out of outs) {
    ref.forEach((r, i) => {
      const value = out.output[i];
      if (value !== outs[0].output[i]) differ += 1;
      if (r.overflows) {
        if (value !== (r.expected > 0 ? 'Infinity' : '-Infinity')) {
          outside += 1;
          note(`value ${i}: ${value}, expected infinite`);
        }
        return;
      }
      const error = Math.abs((value as number) - r.expected);
      if (!(error <= r.bound)) {
        outside += 1;
        note(`value ${i}: ${value} vs ${r.expected} (bound ${r.bound})`);
      }
      if (Math.fround(r.expected) !== value) rounded += 1;
    });
    for (let i = out.end; i < out.input.length; i++) if (out.output[i] !== out.input[i]) touched += 1;
  }
  return { ref, outside, differ, touched, rounded, first };
}

describe.skipIf(!availability.ok)('compressed allreduce (fp16, bf16) over 2 ranks', () => {
  for (const format of ['fp16', 'bf16'] as const) {
    it(`${format}: random values from 1e-9 to 1e3 equal the float64 mean within the rounding bound, the same bits on both ranks, half the bytes`, async () => {
      const outs = await run(format, 'random');
      const { ref, outside, differ, touched, rounded, first } = check(outs, format);
      expect(first).toEqual([]);
      expect({ outside, differ, touched }).toEqual({ outside: 0, differ: 0, touched: 0 });
      for (const out of outs) {
        expect(out.nonFinite).toBe(0);
        // each rank wrote half the bytes of a float32 allreduce of the same values (Gloo's headers aside)
        expect(out.compressedBytes / out.float32Bytes).toBeGreaterThan(0.49);
        expect(out.compressedBytes / out.float32Bytes).toBeLessThan(0.51);
      }
      // a half format really travelled: most values differ from float32's
      expect(rounded).toBeGreaterThan(0.5 * outs.length * ref.length);
    });

    it(`${format}: a rank killed before the collective makes the other fail with one line (exit code 7), well within the timeout`, async () => {
      const [survivor, killed] = await runRanks('fixtures/compress-rank.mjs', [format, 'dead'], 2);
      expect(killed.signal).toBe('SIGKILL');
      expect(survivor.code).toBe(7);
      const lines = survivor.stderr.trim().split('\n');
      expect(lines.at(-1)).toMatch(new RegExp(`^rank 0: lost another rank during collective #1 \\(${format} allreduce of 40000 values\\): `));
      // Gloo sees the closed connection, not the 30 s timeout
      expect(Number(/after (\d+) ms/.exec(survivor.stderr)?.[1])).toBeLessThan(10_000);
    });

    it(`${format}: ranks with different gradient formats are refused at the fingerprint check (exit code 2)`, async () => {
      const results = await runRanks('fixtures/compress-rank.mjs', [format, 'mismatch'], 2);
      for (const r of results) {
        expect(r.stdout).toBe('');
        expect(r.code).toBe(2);
        expect(r.stderr.trim()).toBe(`rank ${r.rank}: rank 1 started with a different model and config than rank 0; start every rank with the same command and files`);
      }
    });

    it(`${format}: values past fp16's range divided by the ranks before the cast; only shares past the format's range overflow`, async () => {
      const outs = await run(format, 'large');
      const { ref, outside, differ, touched, first } = check(outs, format);
      const overflowing = ref.filter((r) => r.overflows).length;
      // fp16: the values rank 0 has past 2 x 65504; bf16: none (its range is float32's). Every other value of this
      // scenario has a rank-0 value past 65504, which a cast before the division (torch 1.13's hook) makes infinite.
      expect(overflowing).toBe(format === 'fp16' ? Math.ceil(ref.length / 3) : 0);
      expect(first).toEqual([]);
      expect({ outside, differ, touched }).toEqual({ outside: 0, differ: 0, touched: 0 });
      for (const out of outs) expect(out.nonFinite).toBe(overflowing);
    });
  }
});

interface StepOutput {
  inPlace: boolean;
  nonFiniteRanks: number;
  overflowed: number;
  leaked: number;
  grads: { shape: number[]; values: number[] }[] | null;
  buffers: number[][];
}

// step-rank.mjs's tensors: small integers, whose halves are exact in fp16 and bf16, so the compressed sums are exact
const SHAPES = [[3, 5], [20000], [7], [130, 130], [0], [2, 3, 4]];
const BUFFER_SHAPES = [[4], [17000]];
const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
const valuesOf = (rank: number, tensor: number, n: number) => Array.from({ length: n }, (_, i) => ((i * 7 + rank * 13 + tensor * 29) % 101) - 50);
const meanOf = (tensor: number, n: number) => {
  const [a, b] = [valuesOf(0, tensor, n), valuesOf(1, tensor, n)];
  return a.map((v, i) => (v + b[i]) / 2);
};

describe.skipIf(!availability.ok)('DataParallel.reduceStep with compression, 2 ranks under the wasm backend', () => {
  for (const format of ['fp16', 'bf16']) {
    for (const path of ['in-place', 'copy']) {
      it(`${format}, ${path}: gradients summed and scaled, statistics averaged in float32`, async () => {
        const results = await runRanks('fixtures/step-rank.mjs', [path, 'exact', format], 2);
        for (const r of results) {
          expect(r.stderr).toBe('');
          expect(r.code).toBe(0);
          const out = JSON.parse(r.stdout) as StepOutput;
          expect(out.inPlace).toBe(path === 'in-place');
          expect(out.nonFiniteRanks).toBe(0);
          expect(out.overflowed).toBe(0);
          expect(out.leaked).toBe(0);
          // scale 0.25 = 1 / (2 ranks x 2 micro-batches): sum x 0.25 = mean x 0.5
          SHAPES.forEach((shape, t) => {
            expect(out.grads?.[t].values).toEqual(meanOf(t, size(shape)).map((v) => v * 0.5));
          });
          BUFFER_SHAPES.forEach((shape, t) => {
            expect(out.buffers[t]).toEqual(meanOf(100 + t, size(shape)));
          });
        }
      });
    }
  }

  it('fp16: a gradient past the format on one rank makes both skip the step, statistics left alone; bf16 carries it', async () => {
    for (const format of ['fp16', 'bf16']) {
      const results = await runRanks('fixtures/step-rank.mjs', ['in-place', 'overflow', format], 2);
      for (const r of results) {
        expect(r.code).toBe(0);
        const out = JSON.parse(r.stdout) as StepOutput;
        expect(out.nonFiniteRanks).toBe(0);
        if (format === 'fp16') {
          expect(out.overflowed).toBe(1);
          expect(out.grads).toBeNull();
          expect(out.buffers[0]).toEqual(valuesOf(r.rank, 100, 4));
        } else {
          expect(out.overflowed).toBe(0);
          // (2e5 + rank 1's value) / 2 x 0.5, 2e5 / 2 rounded to bf16 (1e5 -> 99840 or 100352: 8 bits)
          const value = out.grads?.[2].values[3] as number;
          expect(Math.abs(value - (2e5 + valuesOf(1, 2, 7)[3]) / 4)).toBeLessThan(2e5 / 4 * 2 ** -8 + 1);
        }
      }
    }
  });
});
