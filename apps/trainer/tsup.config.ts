import { packageBuild } from '../../tsup.shared.js';

// An app: the command line only, ESM.
export default packageBuild(['src/cli.ts'], { format: ['esm'], dts: false });
