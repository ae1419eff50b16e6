import { packageBuild } from '../../tsup.shared.js';

// An app: ESM only, no type declarations.
export default packageBuild(['src/cli.ts', 'src/distributed-worker.ts'], { format: ['esm'], dts: false });
