// The web UI built for a test run (Vite, into a temp folder), so tests always drive the current sources.
import path from 'node:path';
import { build } from 'vite';
import { tempDir } from './project.js';

let built: Promise<string> | undefined;

export function buildWebUi(): Promise<string> {
  built ??= (async () => {
    const outDir = tempDir('bds-web-ui-');
    await build({
      configFile: path.resolve('web/vite.config.ts'),
      logLevel: 'warn',
      build: { outDir, emptyOutDir: true, sourcemap: false },
    });
    return outDir;
  })();
  return built;
}
