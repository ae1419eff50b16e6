import { mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.js';
// @ts-expect-error a plain .mjs helper without types
import { watVitePlugin } from './scripts/wat-plugin.mjs';

export default mergeConfig(shared, { plugins: [watVitePlugin] });
