/** All suites, in the order `pnpm bench` runs them. */
import type { Suite } from '../suite.js';

export const SUITES: Suite[] = [];
