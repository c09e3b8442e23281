import { defineConfig } from 'vite';

// The built app is served by `aegis serve` (src/server/web.cc) from web/dist at /.
// No data: URIs (the server's CSP is default-src 'self'), hashed file names under assets/
// (cached for a year by the server), modern browsers only.
export default defineConfig({
  base: '/',
  build: {
    target: 'es2020',
    outDir: 'dist',
    emptyOutDir: true,
    assetsInlineLimit: 0,
    cssCodeSplit: true,
    reportCompressedSize: true,
    chunkSizeWarningLimit: 300,
  },
  server: {
    proxy: { '/api': 'http://127.0.0.1:8080' },
  },
});
