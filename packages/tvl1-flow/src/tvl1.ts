/**
 * TV-L1 optical flow (Zach, Pock, Bischof 2007), following the IPOL article
 * "TV-L1 Optical Flow Estimation" (Sanchez Perez, Meinhardt-Llopis, Facciolo,
 * 2013): coarse-to-fine pyramid, several warps per level, and at each warp
 * the alternation of a pointwise thresholding step and Chambolle's dual
 * projection for the total variation. Presets: 'accurate' (the default:
 * structure-texture decomposition, and a second flow restarted at a middle
 * level and fused in, see options.ts), 'ipol' (the article's parameters)
 * and 'opencv' (DualTVL1OpticalFlow's defaults). Browser-compatible: no
 * Node built-ins on this path.
 */
import type { Flow, Image } from '@trajectorynet/core';
import { Tvl1Error } from './errors.js';
import { fuseFlows } from './fusion.js';
import { gaussianBlur, matchMeanAndSpread, normaliseJointly, toGray } from './image.js';
import { resolveOptions, type Tvl1Options } from './options.js';
import { buildPyramid, upsampleFlow } from './pyramid.js';
import { solveLevel, Workspace } from './solver.js';
import { structureTexture } from './texture.js';

/** A frame: @trajectorynet/core's `Image` (8-bit), or float planes in 0..255; grey or RGB. */
export interface FrameInput extends Omit<Image, 'data' | 'channels'> {
  data: Uint8Array | Float32Array;
  channels: 1 | 3;
}

const shared = new Workspace();

function checkFrame(name: string, f: FrameInput): void {
  if (!Number.isInteger(f.width) || !Number.isInteger(f.height) || f.width < 2 || f.height < 2) throw new Tvl1Error('BAD_INPUT', `must be at least 2x2, got ${f.width}x${f.height}`, { path: name });
  if (f.channels !== 1 && f.channels !== 3) throw new Tvl1Error('BAD_INPUT', `channels must be 1 or 3, got ${f.channels}`, { path: name });
  if (f.data.length !== f.width * f.height * f.channels) {
    throw new Tvl1Error('BAD_INPUT', `data has ${f.data.length} values, ${f.width}x${f.height}x${f.channels} needs ${f.width * f.height * f.channels}`, { path: name });
  }
}

/** TV-L1 flow from frame0 to frame1 (u: horizontal, v: vertical, pixels). */
export function tvl1(frame0: FrameInput, frame1: FrameInput, options: Tvl1Options = {}): Flow {
  checkFrame('frame0', frame0);
  checkFrame('frame1', frame1);
  if (frame0.width !== frame1.width || frame0.height !== frame1.height) {
    throw new Tvl1Error('BAD_INPUT', `frame sizes differ: ${frame0.width}x${frame0.height} and ${frame1.width}x${frame1.height}`, { path: 'frame1' });
  }
  const s = resolveOptions(options);
  const { width, height } = frame0;
  let I0 = toGray(frame0.data, width, height, frame0.channels);
  let I1 = toGray(frame1.data, width, height, frame1.channels);
  if (s.matchBrightness) matchMeanAndSpread(I0, I1);
  if (s.normalise) normaliseJointly(I0, I1);
  if (s.structureTexture > 0) {
    // match the texture parts: shading and blur differences live in the structure
    [I0, I1] = structureTexture(I0, I1, width, height, s.structureTexture, { theta: s.structureTheta });
    normaliseJointly(I0, I1);
  }
  if (s.presmoothSigma > 0) {
    I0 = gaussianBlur(I0, width, height, s.presmoothSigma);
    I1 = gaussianBlur(I1, width, height, s.presmoothSigma);
  }
  const levels = buildPyramid(I0, I1, width, height, s);
  // the coarsest level whose shorter side is at least restartSize, if fusing below it stays above the finest level
  let restartLevel = -1;
  if (s.restartSize > 0) for (const [l, level] of levels.entries()) if (Math.min(level.width, level.height) >= s.restartSize) restartLevel = l;
  if (restartLevel - s.fusionLevels + 1 < 1 || restartLevel === levels.length - 1) restartLevel = -1;
  let u1: Float32Array = new Float32Array(levels[levels.length - 1].width * levels[levels.length - 1].height);
  let u2: Float32Array = new Float32Array(u1.length);
  let z1: Float32Array | null = null;
  let z2: Float32Array | null = null;
  for (let l = levels.length - 1; l >= 0; l--) {
    const level = levels[l];
    solveLevel(level.I0, level.I1, level.width, level.height, u1, u2, s, shared);
    if (l === restartLevel) {
      z1 = new Float32Array(u1.length);
      z2 = new Float32Array(u2.length);
    }
    if (z1 != null && z2 != null) {
      // a second flow started afresh at restartLevel: keep per pixel the one that matches better
      solveLevel(level.I0, level.I1, level.width, level.height, z1, z2, s, shared);
      fuseFlows(level.I0, level.I1, level.width, level.height, u1, u2, z1, z2, s.fusionRadius);
      if (l <= restartLevel - s.fusionLevels + 1) z1 = z2 = null;
    }
    if (l > 0) {
      u1 = upsampleFlow(u1, level, levels[l - 1], true);
      u2 = upsampleFlow(u2, level, levels[l - 1], false);
      if (z1 != null && z2 != null) {
        z1 = upsampleFlow(z1, level, levels[l - 1], true);
        z2 = upsampleFlow(z2, level, levels[l - 1], false);
      }
    }
  }
  return { width, height, u: u1, v: u2 };
}
