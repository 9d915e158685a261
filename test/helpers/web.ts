// The web UI built for a test run (Vite, into a temp folder), so tests always drive the current sources.
import path from 'node:path';
import { build } from 'vite';
import { tempDir } from './project.js';

let built: Promise<string> | undefined;

export function buildWebUi(): Promise<string> {
  built ??= (async () => {
    const outDir = tempDir('bds-web-ui-');
    // The test runner sets NODE_ENV=test; the UI under test is the production build users get.
    const env = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      await build({
        configFile: path.resolve('web/vite.config.ts'),
        logLevel: 'warn',
        mode: 'production',
        build: { outDir, emptyOutDir: true, sourcemap: false },
      });
    } finally {
      process.env.NODE_ENV = env;
    }
    return outDir;
  })();
  return built;
}
