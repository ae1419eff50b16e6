import { packageBuild } from '../../tsup.shared.js';

// flow-worker.js must be its own file: worker_threads load it by path.
export default packageBuild(['src/index.ts', 'src/flow-worker.ts', 'src/cli.ts']);
