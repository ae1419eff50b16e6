import { defineConfig, type Options } from 'tsup';

/** The tsup settings every package shares: ESM + CJS + .d.ts for Node 20. */
export function packageBuild(entry: Options['entry'] = ['src/index.ts'], extra: Options = {}) {
  return defineConfig({
    entry,
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    sourcemap: true,
    target: 'node20',
    shims: true,
    ...extra,
  });
}
