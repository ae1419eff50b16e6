import { packageBuild } from '../../tsup.shared.js';

// torch-kernels is an optional dependency loaded at run time (tsup bundles optional ones otherwise)
// browser.js: the "browser" export condition (no Node built-ins on its path).
export default packageBuild(['src/index.ts', 'src/cli.ts', 'src/browser.ts'], { external: ['@trajectorynet/torch-kernels'] });
