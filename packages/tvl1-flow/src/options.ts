/** TV-L1 parameters and the two presets: the IPOL article's defaults and OpenCV's DualTVL1OpticalFlow defaults. */

export interface Tvl1Settings {
  preset: 'ipol' | 'opencv';
  /** Time step of the dual update (stable for tau <= 0.25). */
  tau: number;
  /** Weight of the data term (smaller: smoother flow). */
  lambda: number;
  /** Coupling between the data and TV sub-problems. */
  theta: number;
  /** Pyramid levels at most, and the zoom factor between them. */
  scales: number;
  zoom: number;
  /** IPOL: levels stop before the shorter side falls below this. */
  minSize: number;
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
  warps: 5,
  outerIterations: 1,
  innerIterations: 300,
  epsilon: 0.01,
  medianFilter: 0,
  interpolation: 'bicubic',
  normalise: true,
  presmoothSigma: 0.8,
};

/** cv::optflow::DualTVL1OpticalFlow::create() defaults. */
export const OPENCV_DEFAULTS: Tvl1Settings = {
  preset: 'opencv',
  tau: 0.25,
  lambda: 0.15,
  theta: 0.3,
  scales: 5,
  zoom: 0.8,
  minSize: 1,
  warps: 5,
  outerIterations: 10,
  innerIterations: 30,
  epsilon: 0.01,
  medianFilter: 5,
  interpolation: 'bilinear',
  normalise: false,
  presmoothSigma: 0,
};

export function resolveOptions(options: Tvl1Options): Tvl1Settings {
  const base = options.preset === 'opencv' ? OPENCV_DEFAULTS : IPOL_DEFAULTS;
  const s = { ...base, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) } as Tvl1Settings;
  const positive: (keyof Tvl1Settings)[] = ['tau', 'lambda', 'theta', 'epsilon'];
  for (const key of positive) if (!((s[key] as number) > 0)) throw new RangeError(`tvl1: ${key} must be positive, got ${s[key]}`);
  if (!(s.zoom > 0 && s.zoom < 1)) throw new RangeError(`tvl1: zoom must be in (0, 1), got ${s.zoom}`);
  for (const key of ['scales', 'warps', 'outerIterations', 'innerIterations'] as const) {
    if (!Number.isInteger(s[key]) || s[key] < 1) throw new RangeError(`tvl1: ${key} must be a positive integer, got ${s[key]}`);
  }
  return s;
}
