/**
 * The synthetic dataset's two motion regimes: one where computed flow fails
 * and one built like the paper's pipeline, where it can see the motion.
 *
 * Both move the object about one res3 cell (1/8 of the input) between the
 * frames the network sees, so a temporal conv is misaligned in both. What
 * differs is what the flow method gets:
 * - hard: 6-10 px and 25-35 degrees per frame at 64x64 on a striped object,
 *   sampled every frame: TV-L1 sees large, fast-turning motion of a pattern
 *   with one orientation (its error over the moving pixels is close to zero
 *   flow's);
 * - trackable: 3-5 px and 10-15 degrees per video frame on a textured object,
 *   sampled every second frame (videos at twice the clip's frame rate, as
 *   flow is computed on every frame of a real video while the network sees a
 *   subsample): flow is solved on frame pairs half as far apart and chained.
 */
import type { DataConfig } from './schema.js';

export interface SyntheticRegime {
  /** What the regime is, in a line. */
  description: string;
  /** The data keys it sets (the rest stay at their defaults). */
  data: Partial<Pick<DataConfig, 'syntheticSpeed' | 'syntheticTurn' | 'syntheticAppearance' | 'renderScale'>>;
  /** Dense sampling's interval between the clip's frames (data.frameInterval). */
  denseInterval: number;
  /** Frames per generated video, for 8-frame clips (longer than a clip, so that dense and segment sampling differ). */
  videoFrames: number;
}

export const SYNTHETIC_REGIMES = {
  hard: {
    description: 'striped object, 6-10 px and 25-35 degrees per frame at 64x64, every frame sampled: computed flow fails',
    data: {},
    denseInterval: 1,
    videoFrames: 16,
  },
  trackable: {
    description: 'textured object, 3-5 px and 10-15 degrees per video frame at 64x64, every second frame sampled: computed flow can follow it',
    data: { syntheticSpeed: [3, 5], syntheticTurn: [10, 15], syntheticAppearance: 'textured' },
    denseInterval: 2,
    videoFrames: 24,
  },
} satisfies Record<string, SyntheticRegime>;

export type SyntheticRegimeName = keyof typeof SYNTHETIC_REGIMES;

/** A regime's data keys as `--set` overrides (e.g. `data.syntheticSpeed=[3, 5]`). */
export function regimeOverrides(name: SyntheticRegimeName): string[] {
  return Object.entries(SYNTHETIC_REGIMES[name].data as Record<string, unknown>).map(([key, value]) => `data.${key}=${JSON.stringify(value)}`);
}
