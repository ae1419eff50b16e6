import { defineConfig } from 'vite';

// base './': the build runs from any folder of a static host (see README).
export default defineConfig({
  base: './',
  worker: { format: 'es' },
  build: { target: 'es2022', chunkSizeWarningLimit: 4000 },
});
