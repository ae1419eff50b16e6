import { packageBuild } from '../../tsup.shared.js';

// loader-worker.js must be its own file: worker_threads load it by path.
// browser.js: the "browser" export condition (no Node built-ins on its path).
export default packageBuild(['src/index.ts', 'src/loader-worker.ts', 'src/browser.ts']);
