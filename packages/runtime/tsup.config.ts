import { packageBuild } from '../../tsup.shared.js';

// torch-kernels is an optional dependency loaded at run time (tsup bundles optional ones otherwise)
export default packageBuild(['src/index.ts', 'src/cli.ts'], { external: ['@trajectorynet/torch-kernels'] });
