/** All suites, in the order `pnpm bench` runs them. */
import type { Suite } from '../suite.js';
import { accuracySuite } from './accuracy.js';
import { distributedAllreduceSuite, distributedSuite } from './distributed.js';
import { flowSuite } from './flow.js';
import { modelSuite } from './model.js';
import { motionnetSuite } from './motionnet.js';
import { opsSuite } from './ops.js';
import { scalingSuite } from './scaling.js';
import { videoSuite } from './video.js';

export const SUITES: Suite[] = [videoSuite, opsSuite, flowSuite, motionnetSuite, modelSuite, distributedSuite, distributedAllreduceSuite, scalingSuite, accuracySuite];
