import { defineConfig, type Plugin } from 'vite';

/**
 * Fails the build when a Node built-in reaches the page or its worker: Vite only warns and puts an
 * empty stub in its place, which would break at run time. The packages' `browser` export
 * conditions keep their Node-only modules out; this keeps it that way. (The worker's bundle is
 * built inside the page's build: its warnings come through the same `onwarn`.)
 */
const externalized: string[] = [];
const noNodeBuiltins: Plugin = {
  name: 'no-node-builtins',
  apply: 'build',
  buildEnd() {
    if (externalized.length > 0) this.error(`Node built-ins in the browser bundle:\n${externalized.join('\n')}`);
  },
};

// base './': the build runs from any folder of a static host (see README).
export default defineConfig({
  base: './',
  plugins: [noNodeBuiltins],
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 4000,
    rollupOptions: {
      onwarn(warning, warn) {
        if (warning.message.includes('has been externalized for browser compatibility')) externalized.push(warning.message);
        else warn(warning);
      },
    },
  },
});
