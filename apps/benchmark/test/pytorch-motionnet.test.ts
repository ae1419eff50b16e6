/**
 * python/motionnet.py is the same network and loss as ours: the same parameter count for the settings
 * the benchmark compares and the paper's width, and with createMotionNet's weights loaded, the same
 * outputs and the same unsupervised loss on a random clip.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { createMotionNet, stackFrames, unsupervisedLoss } from '@trajectorynet/motionnet';
import { describe, expect, it } from 'vitest';

const SCRIPT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../python/motionnet.py');
const torchImportable = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;

describe('PyTorch MotionNet (python/motionnet.py)', () => {
  for (const frames of [2, 17]) {
    for (const width of [0.25, 1]) {
      it(`has createMotionNet's parameter count: ${frames} frames, width ${width}`, { timeout: 120_000 }, (context) => {
        if (!torchImportable) context.skip('python3-torch is not importable by /usr/bin/python3');
        const model = createMotionNet({ frames, height: 128, width: 128, widthMultiplier: width });
        const ours = model.countParams();
        model.dispose();
        // STEPS 0: the network is built and counted, nothing timed
        const out = JSON.parse(execFileSync('/usr/bin/python3', [SCRIPT, '1', '1', String(frames), '128', String(width), '0'], { encoding: 'utf8' }));
        expect(out.parameters).toBe(ours);
        expect(tf.memory().numTensors).toBe(0);
      });
    }
  }

  it('computes the same outputs and unsupervised loss with our weights (3 frames, 64x64, width 1/8, batch 2)', { timeout: 120_000 }, async (context) => {
    if (!torchImportable) context.skip('python3-torch is not importable by /usr/bin/python3');
    const [frames, size, widthMultiplier, batch] = [3, 64, 0.125, 2];
    const model = createMotionNet({ frames, height: size, width: size, widthMultiplier });
    const clip = tf.randomUniform([batch, frames, size, size, 3], 0, 1, 'float32', 7) as tf.Tensor5D;
    // our layers' weights (Keras layouts) and the clip, for the script to load
    const tensors: { name: string; values: Float32Array; shape: number[] }[] = [];
    for (const layer of model.layers) {
      layer.getWeights().forEach((w, i) => {
        tensors.push({ name: `${layer.name}/${i === 0 ? 'kernel' : 'bias'}`, values: w.dataSync() as Float32Array, shape: w.shape });
      });
    }
    tensors.push({ name: 'clip', values: clip.dataSync() as Float32Array, shape: clip.shape });
    const dir = await mkdtemp(path.join(tmpdir(), 'tjn-motionnet-torch-'));
    try {
      await writeFile(path.join(dir, 'manifest.json'), JSON.stringify({ frames, widthMultiplier, tensors: tensors.map(({ name, shape }) => ({ name, shape })) }));
      await writeFile(path.join(dir, 'weights.bin'), Buffer.concat(tensors.map((t) => Buffer.from(t.values.buffer, t.values.byteOffset, t.values.byteLength))));
      const torch = JSON.parse(execFileSync('/usr/bin/python3', [SCRIPT, 'check', path.join(dir, 'manifest.json'), path.join(dir, 'weights.bin')], { encoding: 'utf8', maxBuffer: 1 << 26 })) as { outputs: number[][]; loss: number };
      const input = stackFrames(clip);
      const outputs = model.predict(input) as tf.Tensor[];
      expect(torch.outputs.length).toBe(5);
      outputs.forEach((output, s) => {
        const ours = output.dataSync();
        expect(torch.outputs[s].length).toBe(ours.length);
        const scale = Math.max(...Array.from(ours, Math.abs));
        let worst = 0;
        for (let i = 0; i < ours.length; i++) worst = Math.max(worst, Math.abs(ours[i] - torch.outputs[s][i]));
        expect(worst / scale, `output ${s}`).toBeLessThan(1e-4);
      });
      const loss = unsupervisedLoss(model, clip, false);
      const ourLoss = loss.total.dataSync()[0];
      expect(Math.abs(ourLoss - torch.loss) / Math.abs(ourLoss)).toBeLessThan(1e-4);
      tf.dispose([input, ...outputs, ...Object.values(loss)]);
    } finally {
      await rm(dir, { recursive: true, force: true });
      tf.dispose(clip);
      model.dispose();
    }
    expect(tf.memory().numTensors).toBe(0);
  });
});
