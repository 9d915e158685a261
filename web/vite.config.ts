// The web UI's build: `vite build` writes web/dist. `bds serve` serves index.html and assets/ on the app
// origin, and python-frame.html (the browser's Python runtime) with the same assets/ on the preview
// origin under /_bds/python/: so every URL in the output is relative (base './').
import path from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  base: './',
  worker: { format: 'es' },
  build: {
    rollupOptions: {
      input: {
        main: path.join(import.meta.dirname, 'index.html'),
        python: path.join(import.meta.dirname, 'python-frame.html'),
      },
    },
    outDir: 'dist',
    emptyOutDir: true,
    // Hashed names: the server lets browsers keep them for good.
    assetsDir: 'assets',
    sourcemap: true,
    chunkSizeWarningLimit: 1500,
  },
});
