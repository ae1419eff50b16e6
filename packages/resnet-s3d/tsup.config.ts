import { packageBuild } from '../../tsup.shared.js';

// browser.js: the "browser" export condition (no Node built-ins on its path).
export default packageBuild(['src/index.ts', 'src/browser.ts']);
