import { spawnSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@trajectorynet/runtime';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTrajectoryNet, inflateResNet, PRESET_STAGES, type TrajectoryNetConfig } from '../src/index.js';

beforeAll(() => initBackend({ prefer: 'wasm', log: null }));

/** Writes tensors as a safetensors file (u64 header length, JSON header, F32 data), the way safetensors.torch.save_file does. */
async function writeSafetensors(file: string, tensors: Record<string, { shape: number[]; values: Float32Array }>): Promise<void> {
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + t.values.byteLength] };
    offset += t.values.byteLength;
  }
  const json = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.byteLength));
  await writeFile(file, Buffer.concat([length, json, ...Object.values(tensors).map((t) => Buffer.from(t.values.buffer))]));
}

/** A "torchvision" state_dict made from a 2D ResNet-18 of our own widths: names and OIHW layouts written out by hand. */
function torchvisionLike(widths: number[], seed: number): Record<string, { shape: number[]; values: Float32Array }> {
  let s = seed;
  const next = () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647 - 0.5;
  };
  const random = (n: number) => Float32Array.from({ length: n }, next);
  const out: Record<string, { shape: number[]; values: Float32Array }> = {};
  const conv = (name: string, o: number, i: number, k: number) => {
    out[`${name}.weight`] = { shape: [o, i, k, k], values: random(o * i * k * k) };
  };
  const bn = (name: string, c: number) => {
    for (const p of ['weight', 'bias', 'running_mean', 'running_var']) out[`${name}.${p}`] = { shape: [c], values: random(c).map((v) => (p === 'running_var' ? v + 1 : v)) };
  };
  conv('conv1', widths[0], 3, 7);
  bn('bn1', widths[0]);
  let cin = widths[0];
  for (const [stage, w] of widths.entries()) {
    for (let b = 0; b < 2; b++) {
      const p = `layer${stage + 1}.${b}`;
      conv(`${p}.conv1`, w, b === 0 ? cin : w, 3);
      bn(`${p}.bn1`, w);
      conv(`${p}.conv2`, w, w, 3);
      bn(`${p}.bn2`, w);
      if (b === 0 && (stage > 0 || cin !== w)) {
        conv(`${p}.downsample.0`, w, cin, 1);
        bn(`${p}.downsample.1`, w);
      }
    }
    cin = w;
  }
  out['fc.weight'] = { shape: [1000, cin], values: random(1000 * cin) };
  return out;
}

const base: TrajectoryNetConfig = { depth: 18, numClasses: 5, frames: 2, size: 32, width: 1 / 16, stages: PRESET_STAGES.trajectorynet };
const widths = [4, 8, 16, 32]; // 64..512 x 1/16

describe('inflateResNet', () => {
  it('copies every 2D conv (OIHW -> HWIO) and BatchNorm, keeps temporal convs and fc', async () => {
    const file = path.join(await mkdtemp(path.join(tmpdir(), 'tjn-inflate-')), 'r18.safetensors');
    const state = torchvisionLike(widths, 7);
    await writeSafetensors(file, state);
    const model = createTrajectoryNet(base);
    const temporalBefore = await model.getLayer('res2_0_temporal_a').getWeights()[0].data();
    const report = await inflateResNet(model, file);
    expect(report.unused).toEqual(['fc.weight']);
    // conv1.weight[o=2, i=1, y=3, x=5] -> stem kernel [3, 5, 1, 2]
    const stem = (await model.getLayer('stem_conv').getWeights()[0].array()) as number[][][][];
    expect(stem[3][5][1][2]).toBeCloseTo(state['conv1.weight'].values[((2 * 3 + 1) * 7 + 3) * 7 + 5], 7);
    const shortcut = (await model.getLayer('res3_0_shortcut_conv').getWeights()[0].array()) as number[][][][];
    expect(shortcut[0][0][3][6]).toBeCloseTo(state['layer2.0.downsample.0.weight'].values[6 * 4 + 3], 7);
    const bnVar = await model.getLayer('res4_1_bn_b').getWeights()[3].data();
    expect(Array.from(bnVar)).toEqual(Array.from(state['layer3.1.bn2.running_var'].values));
    expect(Array.from(await model.getLayer('res2_0_temporal_a').getWeights()[0].data())).toEqual(Array.from(temporalBefore));
    expect(report.copied).toContain('res5_1_conv_b');
  });

  it('with motion: the appearance input channels are copied, the stacked offset channels keep their initialisation', async () => {
    const file = path.join(await mkdtemp(path.join(tmpdir(), 'tjn-inflate-')), 'r18.safetensors');
    const state = torchvisionLike(widths, 9);
    await writeSafetensors(file, state);
    const model = createTrajectoryNet({ ...base, withMotion: true });
    const before = (await model.getLayer('res3_0_conv_a').getWeights()[0].array()) as number[][][][];
    await inflateResNet(model, file);
    const after = (await model.getLayer('res3_0_conv_a').getWeights()[0].array()) as number[][][][];
    expect(after[0][0].length).toBe(4 + 6); // 4 appearance + 3 taps x 2 offset channels
    expect(after[1][2][3][5]).toBeCloseTo(state['layer2.0.conv1.weight'].values[((5 * 4 + 3) * 3 + 1) * 3 + 2], 7);
    expect(after[1][2][7][5]).toBe(before[1][2][7][5]);
  });

  it('a tensor that does not fit fails with its name', async () => {
    const file = path.join(await mkdtemp(path.join(tmpdir(), 'tjn-inflate-')), 'r18.safetensors');
    await writeSafetensors(file, torchvisionLike(widths, 3));
    const wider = createTrajectoryNet({ ...base, width: 1 / 8 });
    await expect(inflateResNet(wider, file)).rejects.toThrow(/tensor 'conv1\.weight' has shape \[4,3,7,7\] \(OIHW\), layer stem_conv needs \[8, 3, 7, 7\]/);
    await writeFile(file, 'nonsense');
    await expect(inflateResNet(createTrajectoryNet(base), file)).rejects.toThrow(/bad header length|not a safetensors/);
  });

  it('a C2D with the classifier copied gives, for a clip, the mean over frames of torchvision resnet18 logits (1e-4 relative)', async () => {
    const python = '/usr/bin/python3';
    const probe = spawnSync(python, ['-c', 'import torch, torchvision'], { encoding: 'utf8' });
    if (probe.status !== 0) {
      // CI installs python3-torchvision (scripts/ensure-system-deps.mjs): there the test must run
      expect(process.env.CI, `torchvision is needed for this test: ${probe.stderr}`).not.toBe('true');
      return;
    }
    const dir = await mkdtemp(path.join(tmpdir(), 'tjn-torchvision-'));
    // torchvision resnet18's own widths (64..512), Kaiming-scaled random weights so that activations stay moderate
    let s = 12345;
    const uniform = () => {
      s = (s * 16807) % 2147483647;
      return s / 2147483647 - 0.5;
    };
    const state = torchvisionLike([64, 128, 256, 512], 11);
    for (const [name, t] of Object.entries(state)) {
      if (name.endsWith('.weight') && t.shape.length === 4) {
        const fanIn = t.shape[1] * t.shape[2] * t.shape[3];
        t.values = t.values.map(() => uniform() * Math.sqrt(24 / fanIn));
      } else if (name.endsWith('running_var')) t.values = t.values.map(() => 0.5 + Math.abs(uniform()));
      else if (name.endsWith('bn1.weight') || name.endsWith('bn2.weight') || name.endsWith('downsample.1.weight')) t.values = t.values.map(() => 0.5 + uniform());
      else if (!name.startsWith('fc')) t.values = t.values.map(() => 0.2 * uniform());
    }
    state['fc.weight'] = { shape: [1000, 512], values: Float32Array.from({ length: 512_000 }, () => uniform() * 0.1) };
    state['fc.bias'] = { shape: [1000], values: Float32Array.from({ length: 1000 }, () => uniform()) };
    const weights = path.join(dir, 'r18.safetensors');
    await writeSafetensors(weights, state);
    const [t, h, w] = [3, 56, 56]; // 56 -> 28 -> 14 -> 7 -> 4: even and odd sizes through the strided layers
    const frames = Float32Array.from({ length: t * h * w * 3 }, (_, i) => Math.sin(i * 0.37) + 0.3 * uniform());
    const framesFile = path.join(dir, 'frames.f32');
    await writeFile(framesFile, Buffer.from(frames.buffer));
    const reference = spawnSync(python, [path.join(import.meta.dirname, 'fixtures', 'torchvision_logits.py'), weights, framesFile, String(t), String(h), String(w)], { encoding: 'utf8', maxBuffer: 1 << 26 });
    expect(reference.status, reference.stderr).toBe(0);
    const perFrame = JSON.parse(reference.stdout) as number[][];
    const expected = perFrame[0].map((_, k) => perFrame.reduce((sum, row) => sum + row[k], 0) / t);

    const model = createTrajectoryNet({ depth: 18, numClasses: 1000, frames: t, size: 56, width: 1, stages: PRESET_STAGES.c2d, dropout: 0 });
    const report = await inflateResNet(model, weights, { classifier: true });
    expect(report.copied).toContain('fc');
    expect(report.unused).toEqual([]);
    const clip = tf.tensor5d(frames, [1, t, h, w, 3]);
    const logits = Array.from(await (model.predict(clip) as tf.Tensor).data());
    const scale = Math.max(...expected.map(Math.abs));
    const worst = Math.max(...logits.map((v, k) => Math.abs(v - expected[k])));
    expect(scale).toBeGreaterThan(0.1);
    expect(worst / scale).toBeLessThan(1e-4);
    tf.dispose(clip);
    model.dispose();
  });
});
