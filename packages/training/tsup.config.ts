import { packageBuild } from '../../tsup.shared.js';

// web.js: `@trajectorynet/training/web`, for browsers (no Node built-ins on its path).
export default packageBuild(['src/index.ts', 'src/web.ts']);
