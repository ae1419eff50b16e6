/**
 * The one seeded random source of the project: xoshiro128** (128-bit state,
 * fast, good statistics) seeded through a 128-bit mixer of any number of
 * integer or string parts, e.g. (run seed, epoch, sample index). Two
 * different tuples give unrelated streams: the parts are absorbed into a
 * 128-bit state by a bijective ARX permutation, so tuples collide only if
 * 96 state bits happen to agree (never in practice), unlike a linear
 * combination such as seed*1_000_003 + epoch*7_919 + index.
 *
 * The state is four uint32s, plain JSON: checkpoints store it, worker threads
 * receive it, and a restored stream continues exactly.
 */

export type RandomState = readonly [number, number, number, number];

/** Uniform in [0, 1) when called; helpers for integers, permutations and the state. */
export interface Random {
  (): number;
  /** An integer in [0, n). */
  int(n: number): number;
  /** A permutation of 0..n-1 (Fisher-Yates). */
  permutation(n: number): number[];
  /** The state now: `randomFromState(r.state())` continues the same stream. */
  state(): RandomState;
}

export type SeedPart = number | string;

const rotl = (x: number, k: number) => (x << k) | (x >>> (32 - k));

/** Eight double rounds of ChaCha's quarter-round over the 4 words: a bijection of the 128-bit state. */
function permute(s: Uint32Array): void {
  let [a, b, c, d] = s;
  for (let round = 0; round < 8; round++) {
    a = (a + b) | 0;
    d = rotl(d ^ a, 16);
    c = (c + d) | 0;
    b = rotl(b ^ c, 12);
    a = (a + b) | 0;
    d = rotl(d ^ a, 8);
    c = (c + d) | 0;
    b = rotl(b ^ c, 7);
    // rotate the words so that every word feeds every other one
    [a, b, c, d] = [b, c, d, a];
  }
  s[0] = a;
  s[1] = b;
  s[2] = c;
  s[3] = d;
}

/** The 32-bit words of one part: integers up to 2^53 as (low, high), strings as UTF-16 pairs; tagged by kind and length. */
function words(part: SeedPart): number[] {
  if (typeof part === 'number') {
    if (!Number.isSafeInteger(part)) throw new RangeError(`seed parts must be safe integers or strings, got ${part}`);
    const low = part >>> 0;
    const high = Math.floor(part / 2 ** 32) >>> 0; // two's complement of negative numbers via Math.floor
    return [low, high, 0x6e756d62];
  }
  const out: number[] = [];
  for (let i = 0; i < part.length; i += 2) out.push((part.charCodeAt(i) | ((part.charCodeAt(i + 1) || 0) << 16)) >>> 0);
  out.push(part.length >>> 0, 0x73747269);
  return out;
}

/** The 128-bit state for a tuple of seed parts (a seed, an epoch, an index, a name...). */
export function mixSeeds(...parts: SeedPart[]): RandomState {
  const s = Uint32Array.of(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344);
  for (const part of parts) {
    const w = words(part);
    // absorb three words at a time into three lanes; the fourth lane counts blocks
    for (let i = 0; i < w.length; i += 3) {
      s[0] ^= w[i];
      s[1] ^= w[i + 1] ?? 0;
      s[2] ^= w[i + 2] ?? 0;
      s[3] ^= 0x9e3779b9;
      permute(s);
    }
  }
  permute(s);
  if ((s[0] | s[1] | s[2] | s[3]) === 0) s[0] = 1; // xoshiro's one forbidden state
  return [s[0], s[1], s[2], s[3]];
}

/** A stream continuing from `state` (from `mixSeeds` or `Random.state()`). */
export function randomFromState(state: RandomState): Random {
  if (!Array.isArray(state) || state.length !== 4 || !state.every((w) => Number.isInteger(w))) {
    throw new RangeError(`a random state is four uint32 words, got ${JSON.stringify(state)}`);
  }
  const s = Uint32Array.from(state, (w) => w >>> 0);
  if ((s[0] | s[1] | s[2] | s[3]) === 0) throw new RangeError('the all-zero random state is not valid');
  // xoshiro128** (Blackman & Vigna)
  const next = () => {
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result / 4294967296;
  };
  const random = next as Random;
  random.int = (n: number) => Math.floor(next() * n);
  random.permutation = (n: number) => {
    const order = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    return order;
  };
  random.state = () => [s[0], s[1], s[2], s[3]];
  return random;
}

/** A stream for a tuple of seed parts: `seededRandom(seed, epoch, index)`. */
export function seededRandom(...parts: SeedPart[]): Random {
  return randomFromState(mixSeeds(...parts));
}
