/**
 * The caching CPU allocator (binding/allocator.cc): convolutions forward and
 * backward on random shapes whose temporaries (filter copies, oneDNN's
 * reordered weights, padded inputs) are large enough to be cached, run
 * repeatedly so that reused blocks still hold earlier calls' values; the
 * results must equal the cpu backend with caching on and off, repeats must be
 * served from the cache (hits, no new misses) when on and not when off.
 * The convolutions take ATen's path here (oneDNN straight from tfjs's layouts,
 * the default where built, allocates through neither).
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setTorchAllocatorCaching, setTorchConvOnednn, torchAllocatorStats } from '../src/index.js';
import { maxRelativeError, nativeAvailable, randomInt, randomTensor, rng, setupBackends, weightedSum, withNative, withoutNative } from './helpers.js';

const TOL = 1e-4;

function randomProblem(next: () => number) {
  const [h, w] = [randomInt(7, 10, next), randomInt(7, 10, next)];
  const [cin, cout] = [randomInt(64, 128, next), randomInt(64, 128, next)];
  const k = randomInt(0, 1, next) * 2 + 1;
  const pad = next() < 0.5 ? 'same' : 'valid';
  const [oh, ow] = pad === 'same' ? [h, w] : [h - k + 1, w - k + 1];
  // enough batch for the native path (at least 16384 output elements)
  const n = Math.ceil(16384 / (oh * ow * cout)) + randomInt(0, 1, next);
  const x = randomTensor([n, h, w, cin], next);
  const filter = randomTensor([k, k, cin, cout], next);
  // forward, dx and dw
  const f = () =>
    tf.tidy(() => {
      const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => weightedSum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, pad)))([x(), filter()]);
      return [tf.conv2d(x() as tf.Tensor4D, filter() as tf.Tensor4D, 1, pad), gx, gw];
    });
  return { f, label: `x [${n},${h},${w},${cin}] f ${k}x${k}x${cin}x${cout} ${pad}` };
}

describe.runIf(nativeAvailable())('caching CPU allocator', () => {
  beforeAll(async () => {
    await setupBackends();
    setTorchConvOnednn(false);
  });
  afterAll(() => {
    setTorchAllocatorCaching(true);
    setTorchConvOnednn(true);
  });

  it('is installed (outside the AddressSanitizer build) and on by default', () => {
    const stats = torchAllocatorStats();
    expect(stats?.caching).toBe(process.env.TORCH_KERNELS_SANITIZE !== 'address');
  });

  for (const caching of [true, false]) {
    it(`convolutions equal the cpu backend on reused memory, caching ${caching ? 'on' : 'off'}`, async () => {
      if (process.env.TORCH_KERNELS_SANITIZE === 'address' && caching) return; // not installed there
      expect(setTorchAllocatorCaching(caching)).toBe(caching);
      const next = rng(caching ? 91 : 92);
      for (let trial = 0; trial < 3; trial++) {
        const p = randomProblem(next);
        const reference = await withoutNative('cpu', p.f);
        for (let repeat = 0; repeat < 3; repeat++) {
          const before = torchAllocatorStats();
          const native = await withNative(p.f);
          const after = torchAllocatorStats();
          if (before == null || after == null) throw new Error('allocator stats unavailable');
          expect(native.calls.conv2dBackpropFilter, p.label).toBe(1);
          native.values.forEach((v, i) => {
            expect(maxRelativeError(v, reference[i]), `${p.label} output ${i} repeat ${repeat}`).toBeLessThan(TOL);
          });
          if (repeat === 0) continue;
          // the same calls again: served from the cache when on, fresh from malloc when off
          if (caching) {
            expect(after.misses - before.misses, `${p.label} misses`).toBe(0);
            expect(after.hits - before.hits, `${p.label} hits`).toBeGreaterThan(0);
          } else {
            expect(after.hits - before.hits, `${p.label} hits`).toBe(0);
            expect(after.misses - before.misses, `${p.label} misses`).toBeGreaterThan(0);
            expect(after.cachedBytes).toBe(0);
          }
        }
      }
    });
  }
});
