import { packageBuild } from '../../tsup.shared.js';

// An app: ESM only, no type declarations.
export default packageBuild(['src/cli.ts'], { format: ['esm'], dts: false });
