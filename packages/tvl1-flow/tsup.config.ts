import { packageBuild } from '../../tsup.shared.js';
// @ts-expect-error a plain .mjs helper without types
import { watEsbuildPlugin } from './scripts/wat-plugin.mjs';

// flow-worker.js must be its own file: worker_threads load it by path.
export default packageBuild(['src/index.ts', 'src/flow-worker.ts', 'src/cli.ts'], { esbuildPlugins: [watEsbuildPlugin] });
