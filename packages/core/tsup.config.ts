import { packageBuild } from '../../tsup.shared.js';

// index: browser-safe (errors, random); node: files, worker pool, progress bar.
export default packageBuild(['src/index.ts', 'src/node.ts']);
