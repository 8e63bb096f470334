import { defineConfig } from 'vitest/config';

// One config for the production build (web/dist, embedded by web.go) and the unit tests.
// JSX is compiled for Preact through tsconfig's jsxImportSource, so no framework plugin is needed.
export default defineConfig({
  build: {
    outDir: 'dist',
    // Emptied on every build so stale hashed assets are never embedded; public/.gitkeep is
    // copied back so dist/.gitkeep (which lets a clean clone compile go:embed) survives.
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
    target: 'es2022',
  },
  server: {
    // `npm run dev` talks to a running `bin/taskline serve` on 8080 for the API.
    proxy: {
      '/api': 'http://127.0.0.1:8080',
      '/config.json': 'http://127.0.0.1:8080',
    },
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
