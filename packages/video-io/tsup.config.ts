import { packageBuild } from '../../tsup.shared.js';

// loader-worker.js must be its own file: worker_threads load it by path.
export default packageBuild(['src/index.ts', 'src/loader-worker.ts']);
