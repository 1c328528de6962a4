import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const src = (pkg: string) => fileURLToPath(new URL(`../${pkg}/src/index.ts`, import.meta.url));

// The page bundles the engine from source, so building the site needs no other package built first.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  // Relative asset paths: the static site works from any folder of any static host.
  base: './',
  resolve: { alias: { '@kordon/engine': src('engine'), '@kordon/review': src('review') } },
  worker: { format: 'es' },
  build: {
    outDir: 'site',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 1200,
    reportCompressedSize: false,
  },
});
