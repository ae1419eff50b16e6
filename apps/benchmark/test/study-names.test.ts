import { motionNetFrames, resolveConfig, SYNTHETIC_REGIMES } from '@trajectorynet/training';
import { describe, expect, it } from 'vitest';
import { STUDY_MODELS, type StudyBudget, studyOverrides } from '../src/suites/accuracy.js';
import { JOINT_MOTIONNETS } from '../src/suites/joint-motionnet.js';
import { FROZEN_MOTIONNETS } from '../src/suites/quality-curve.js';

// the study's tables and quality curve name the stacked MotionNet "MotionNet-(N)" by hand; N must be the frames its config gives
const TRACKABLE: StudyBudget = { seeds: 5, epochs: 36, trainClips: 16, valClips: 50, videoFrames: SYNTHETIC_REGIMES.trackable.videoFrames, models: [], sampling: ['dense'], regime: 'trackable' };

describe('the study\'s MotionNet-(N) names', () => {
  it('say the frames the stacked models\' configs give MotionNet in the trackable regime', async () => {
    const stacked = STUDY_MODELS.filter((m) => m.motionnet === 'videos-stacked');
    expect(stacked.length).toBeGreaterThan(0);
    for (const model of stacked) {
      const frames = motionNetFrames(await resolveConfig({ preset: 's3d-r18-tiny', overrides: studyOverrides(model, TRACKABLE, 'dense', 1) }));
      const named = [model.name, JOINT_MOTIONNETS[model.key], FROZEN_MOTIONNETS[model.key]].filter((name): name is string => name != null);
      for (const name of named) expect(name, model.key).toContain(`MotionNet-(${frames})`);
    }
  });
});
