/**
 * TV-L1 parameters and three presets: 'accurate' (the default: the IPOL
 * scheme with a structure-texture split and a second, restarted flow fused
 * in at the middle levels), 'ipol' (the IPOL article's parameters) and
 * 'opencv' (OpenCV's DualTVL1OpticalFlow defaults).
 */
import { Tvl1Error } from './errors.js';

export type Tvl1Preset = 'accurate' | 'ipol' | 'opencv';

export interface Tvl1Settings {
  preset: Tvl1Preset;
  /** Time step of the dual update (stable for tau <= 0.25). */
  tau: number;
  /** Weight of the data term (smaller: smoother flow). */
  lambda: number;
  /** Coupling between the data and TV sub-problems. */
  theta: number;
  /** Pyramid levels at most, and the zoom factor between them. */
  scales: number;
  zoom: number;
  /** Levels stop before the shorter side falls below this many pixels... */
  minSize: number;
  /** ...unless the pyramid has fewer levels than this (small frames still get a coarse-to-fine scheme). */
  minLevels: number;
  /** Warps (re-linearisations) per level. */
  warps: number;
  /** Iterations per warp: outer x inner (IPOL: 1 x 300; OpenCV: 10 x 30 with a median filter between outer ones). */
  outerIterations: number;
  innerIterations: number;
  /** Stop a warp when the mean squared update falls below epsilon^2. */
  epsilon: number;
  /** Median filter size applied to the flow before each outer iteration (0 or 1: none). */
  medianFilter: number;
  interpolation: 'bicubic' | 'bilinear';
  /** Rescale both images jointly to [0, 255] first. */
  normalise: boolean;
  /** Gaussian pre-smoothing sigma (0: none). */
  presmoothSigma: number;
  /** Structure-texture decomposition: the weight alpha of the ROF structure removed from each frame (0: none; Wedel et al. use 0.95). */
  structureTexture: number;
  /**
   * ROF weight theta of that split, in grey levels of the [0, 255] frames: the structure is argmin TV(s) +
   * |s - f|^2 / (2 theta), and |f - structure| <= 4 theta, so 0.125 (the value of Wedel et al., meant for
   * [-1, 1] images) removes at most half a grey level here and the split is nearly a no-op; 16 is their
   * setting on this scale (ROF(c f) with theta = c ROF(f) with theta / c).
   */
  structureTheta: number;
  /**
   * Also solve from zero flow at the coarsest level whose shorter side is at
   * least this many pixels (0: off), carry that second flow down
   * `fusionLevels` levels next to the main one, and at each of them keep per
   * pixel the flow whose residual |I1(x + u) - I0(x)|, summed over a
   * (2 fusionRadius + 1)^2 window, is lower. Never at the finest level (it
   * would double its cost): smaller frames skip it.
   */
  restartSize: number;
  fusionLevels: number;
  fusionRadius: number;
  /** Give frame1 frame0's mean and standard deviation first (a global gain and offset between the frames). */
  matchBrightness: boolean;
  /**
   * After each warp, fit I1(x + u) = gain * I0(x) + offset on the pixels that have a match (L1, so mismatched and
   * occluded pixels hardly count) and compare I1(x + u) with gain * I0 + offset: a global brightness change that
   * the structure-texture split leaves (a gain scales the texture part too).
   */
  gainOffset: boolean;
  /** Fit the brightness change only on levels whose shorter side is at least this many pixels (0: on every level). */
  gainMinSize: number;
  /** Keep a fit only where it lowers the summed |I1(x + u) - I0| of the matched pixels by at least this fraction (0: always keep it). */
  gainMinReduction: number;
  /**
   * Levels whose shorter side is below this many pixels (0: none) are "coarse": they use `coarseWarps` warps and a
   * `coarseMedian` median filter instead of `warps` and `medianFilter`. Coarse levels cost little (a 1/4 pyramid
   * level has 1/16 of the pixels), and large motions are decided there.
   */
  coarseSize: number;
  coarseWarps: number;
  coarseMedian: number;
  /** Drop the data term where x + u leaves the frame (those pixels have no match; the TV term fills their flow in). */
  ignoreOutside: boolean;
}

export type Tvl1Options = Partial<Tvl1Settings>;

export const IPOL_DEFAULTS: Tvl1Settings = {
  preset: 'ipol',
  tau: 0.25,
  lambda: 0.15,
  theta: 0.3,
  scales: 100,
  zoom: 0.5,
  minSize: 16,
  minLevels: 1,
  warps: 5,
  outerIterations: 1,
  innerIterations: 300,
  epsilon: 0.01,
  medianFilter: 0,
  interpolation: 'bicubic',
  normalise: true,
  presmoothSigma: 0.8,
  structureTexture: 0,
  structureTheta: 0.125,
  restartSize: 0,
  fusionLevels: 2,
  fusionRadius: 1,
  ignoreOutside: false,
  matchBrightness: false,
  gainOffset: false,
  gainMinSize: 0,
  gainMinReduction: 0,
  coarseSize: 0,
  coarseWarps: 5,
  coarseMedian: 0,
};

/**
 * The default: the IPOL scheme (a full 0.5 pyramid, so that motions of tens
 * of pixels are found) with these changes, each measured (see the README).
 * Flow is computed on the texture part of the frames (structure-texture
 * decomposition, Wedel et al. 2009, alpha 0.95; with `structureTheta` 0.125
 * on [0, 255] frames it removes little, see options above). Small objects
 * vanish from the coarse levels, whose flow (the background's, or a large
 * motion spread over them) then overwrites theirs: a second flow started from
 * zero at the coarsest level of at least 64 px is carried down two levels and
 * fused in per pixel by the warped residual. Chosen on layered validation
 * scenes (scenePair, see the README): the pyramid goes down to about 8 px
 * instead of 16 (60 px motions at 1024x436 are still 4 px on a 27 px level),
 * pixels whose x + u leaves the frame get no data term (`ignoreOutside`), a
 * brightness change between the frames is fitted after each warp and
 * compensated (`gainOffset`: without it, 2-3 px motions under a changed gain
 * and offset drifted by tens of pixels), and 5 warps per level (4 before).
 * Frames too small for a deep pyramid still get 3 levels (`minLevels`).
 */
export const ACCURATE_DEFAULTS: Tvl1Settings = { ...IPOL_DEFAULTS, preset: 'accurate', minSize: 8, minLevels: 3, structureTexture: 0.95, restartSize: 64, ignoreOutside: true, gainOffset: true };

/** cv::optflow::DualTVL1OpticalFlow::create() defaults. */
export const OPENCV_DEFAULTS: Tvl1Settings = {
  preset: 'opencv',
  tau: 0.25,
  lambda: 0.15,
  theta: 0.3,
  scales: 5,
  zoom: 0.8,
  minSize: 1,
  minLevels: 1,
  warps: 5,
  outerIterations: 10,
  innerIterations: 30,
  epsilon: 0.01,
  medianFilter: 5,
  interpolation: 'bilinear',
  normalise: false,
  presmoothSigma: 0,
  structureTexture: 0,
  structureTheta: 0.125,
  restartSize: 0,
  fusionLevels: 2,
  fusionRadius: 1,
  ignoreOutside: false,
  matchBrightness: false,
  gainOffset: false,
  gainMinSize: 0,
  gainMinReduction: 0,
  coarseSize: 0,
  coarseWarps: 5,
  coarseMedian: 0,
};

const PRESETS: Record<Tvl1Preset, Tvl1Settings> = { accurate: ACCURATE_DEFAULTS, ipol: IPOL_DEFAULTS, opencv: OPENCV_DEFAULTS };

/** The preset's settings overridden by the defined options; a Tvl1Error (BAD_ARGUMENT) names the first bad one. */
export function resolveOptions(options: Tvl1Options): Tvl1Settings {
  const preset = options.preset ?? 'accurate';
  if (!Object.hasOwn(PRESETS, preset)) throw new Tvl1Error('BAD_ARGUMENT', `must be one of ${Object.keys(PRESETS).join(', ')}, got ${preset}`, { path: 'tvl1.preset' });
  const s = { ...PRESETS[preset], ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) } as Tvl1Settings;
  const fail = (key: keyof Tvl1Settings, must: string) => {
    throw new Tvl1Error('BAD_ARGUMENT', `must be ${must}, got ${s[key]}`, { path: `tvl1.${key}` });
  };
  for (const key of ['tau', 'lambda', 'theta', 'epsilon'] as const) if (!(s[key] > 0 && s[key] < Number.POSITIVE_INFINITY)) fail(key, 'positive');
  if (!(s.zoom > 0 && s.zoom < 1)) fail('zoom', 'in (0, 1)');
  for (const key of ['scales', 'minLevels', 'warps', 'outerIterations', 'innerIterations'] as const) if (!Number.isInteger(s[key]) || s[key] < 1) fail(key, 'a positive integer');
  if (!(s.minSize >= 1 && s.minSize < Number.POSITIVE_INFINITY)) fail('minSize', 'a number >= 1');
  for (const key of ['medianFilter', 'coarseMedian'] as const) if (!Number.isInteger(s[key]) || s[key] < 0 || (s[key] > 1 && s[key] % 2 === 0)) fail(key, '0, 1 or an odd window size');
  if (!(s.coarseSize >= 0 && s.coarseSize < Number.POSITIVE_INFINITY)) fail('coarseSize', 'a number >= 0');
  if (!Number.isInteger(s.coarseWarps) || s.coarseWarps < 1) fail('coarseWarps', 'a positive integer');
  if (s.interpolation !== 'bicubic' && s.interpolation !== 'bilinear') fail('interpolation', "'bicubic' or 'bilinear'");
  if (typeof s.normalise !== 'boolean') fail('normalise', 'true or false');
  if (typeof s.ignoreOutside !== 'boolean') fail('ignoreOutside', 'true or false');
  if (typeof s.matchBrightness !== 'boolean') fail('matchBrightness', 'true or false');
  if (typeof s.gainOffset !== 'boolean') fail('gainOffset', 'true or false');
  if (!(s.gainMinSize >= 0 && s.gainMinSize < Number.POSITIVE_INFINITY)) fail('gainMinSize', 'a number >= 0');
  if (!(s.gainMinReduction >= 0 && s.gainMinReduction < 1)) fail('gainMinReduction', 'in [0, 1)');
  if (!(s.presmoothSigma >= 0 && s.presmoothSigma < Number.POSITIVE_INFINITY)) fail('presmoothSigma', 'a number >= 0');
  if (!(s.structureTexture >= 0 && s.structureTexture < 1)) fail('structureTexture', 'in [0, 1)');
  if (!(s.structureTheta > 0 && s.structureTheta < Number.POSITIVE_INFINITY)) fail('structureTheta', 'positive');
  if (!(s.restartSize >= 0 && s.restartSize < Number.POSITIVE_INFINITY)) fail('restartSize', 'a number >= 0');
  if (!Number.isInteger(s.fusionLevels) || s.fusionLevels < 1) fail('fusionLevels', 'a positive integer');
  if (!Number.isInteger(s.fusionRadius) || s.fusionRadius < 0) fail('fusionRadius', 'an integer >= 0');
  return s;
}
