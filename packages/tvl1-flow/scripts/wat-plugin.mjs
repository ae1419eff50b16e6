/**
 * Build-time compilation of the WebAssembly text modules in src/wasm (*.wat)
 * with wabt (a devDependency): `import base64 from './x.wat'` gives the
 * binary as a base64 string, inlined in the bundle, so the package ships no
 * separate .wasm file and loads the same way in Node and browsers. One
 * esbuild plugin for tsup and one Vite plugin for vitest.
 */
import { readFile } from 'node:fs/promises';
import wabtInit from 'wabt';

async function watToBase64(file) {
  const wabt = await wabtInit();
  const module = wabt.parseWat(file, await readFile(file, 'utf8'), { simd: true });
  try {
    module.validate();
    return Buffer.from(module.toBinary({}).buffer).toString('base64');
  } finally {
    module.destroy();
  }
}

export const watEsbuildPlugin = {
  name: 'wat',
  setup(build) {
    build.onLoad({ filter: /\.wat$/ }, async (args) => ({ contents: `export default ${JSON.stringify(await watToBase64(args.path))};`, loader: 'js' }));
  },
};

export const watVitePlugin = {
  name: 'wat',
  async load(id) {
    if (!id.endsWith('.wat')) return null;
    return `export default ${JSON.stringify(await watToBase64(id))};`;
  },
};
