import { packageBuild } from '../../tsup.shared.js';

// An app: ESM only. `src/index.ts` is the library part the benchmark app reuses (typed).
export default packageBuild(['src/cli.ts', 'src/index.ts'], { format: ['esm'], dts: { entry: 'src/index.ts' } });
