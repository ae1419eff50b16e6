/** python/motionnet.py builds the same network as createMotionNet: the same parameter count for the settings the benchmark compares and the paper's width. */
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { createMotionNet } from '@trajectorynet/motionnet';
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
});
