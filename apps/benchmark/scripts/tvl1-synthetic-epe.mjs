// EPE of the default TV-L1 on synthetic clips (64x64, default motion) against the generator's true flow, over moving pixels and all pixels
import { createSyntheticDataset, renderSyntheticClip, renderSyntheticFlows } from '@trajectorynet/video-io';
import { tvl1 } from '@trajectorynet/tvl1-flow';
const { samples } = createSyntheticDataset({ split: 'val', clipsPerClass: 3, frames: 4, width: 64, height: 64, seed: 11 });
let [moving, movingN, all, allN, zeroMoving] = [0, 0, 0, 0, 0];
for (const sample of samples) {
  const clip = renderSyntheticClip(sample);
  const truth = renderSyntheticFlows(sample).forward;
  for (let j = 0; j < 3; j++) {
    const a = { width: 64, height: 64, channels: 3, data: clip.frames[j] };
    const b = { width: 64, height: 64, channels: 3, data: clip.frames[j + 1] };
    const flow = tvl1(a, b);
    const t = truth[j];
    for (let i = 0; i < 64 * 64; i++) {
      const e = Math.hypot(flow.u[i] - t.u[i], flow.v[i] - t.v[i]);
      all += e; allN++;
      if (t.u[i] !== 0 || t.v[i] !== 0) { moving += e; movingN++; zeroMoving += Math.hypot(t.u[i], t.v[i]); }
    }
  }
}
console.log(`pairs ${samples.length * 3}; moving pixels: TV-L1 EPE ${(moving / movingN).toFixed(2)}, zero flow ${(zeroMoving / movingN).toFixed(2)}; all pixels: TV-L1 EPE ${(all / allN).toFixed(2)}`);
