// The web UI built for a test run (Vite, into a temp folder), so tests always drive the current sources.
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { build } from 'vite';
import { launchChromium } from '../preview/fixture.js';
import { tempDir } from './project.js';
import { serveProject, type ServedProject } from './server.js';

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

/** A project served with the built UI, Chromium, and a signed-in desktop-size page (page errors fail). */
export interface OpenApp {
  s: ServedProject;
  browser: Browser;
  page: Page;
  close(): Promise<void>;
}

export async function openApp(
  files: Record<string, string | Uint8Array>,
  options: { timeoutMs?: number; prepare?: (root: string) => void } = {},
): Promise<OpenApp> {
  const webRoot = await buildWebUi();
  const s = await serveProject(files, { webRoot, ...(options.prepare ? { prepare: options.prepare } : {}) });
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.setDefaultTimeout(options.timeoutMs ?? 15_000);
  page.on('pageerror', (e) => {
    throw e;
  });
  await page.goto(s.server.loginUrl);
  return {
    s,
    browser,
    page,
    async close() {
      await browser.close();
      await s.close();
    },
  };
}

export const SHOTS = path.resolve('test-output', 'screenshots');

/**
 * Screenshots of one screen in light and dark, at desktop (1280×800) and phone (390×844) size, as
 * SHOTS/NAME-SCHEME-WxH.png: `hash` is the app address to open, `ready` waits for what must show.
 */
export async function saveScreenshots(
  app: OpenApp,
  name: string,
  hash: string,
  ready: (page: Page, desktop: boolean) => Promise<unknown>,
): Promise<string[]> {
  fs.mkdirSync(SHOTS, { recursive: true });
  const files: string[] = [];
  // One page per width, shot in light and then in dark: the app follows the colour scheme as it
  // changes, and loading each page (the browser's Python, for some) once instead of twice saves time.
  for (const [w, h] of [
    [1280, 800],
    [390, 844],
  ] as const) {
    const context = await app.browser.newContext({ viewport: { width: w, height: h }, colorScheme: 'light' });
    const shot = await context.newPage();
    await shot.goto(app.s.server.loginUrl);
    await shot.goto(`${app.s.server.url}${hash}`);
    await ready(shot, w > 900);
    for (const scheme of ['light', 'dark'] as const) {
      await shot.emulateMedia({ colorScheme: scheme });
      // Two frames: the new scheme's styles are applied and painted.
      await shot.evaluate(
        () => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))),
      );
      const file = path.join(SHOTS, `${name}-${scheme}-${w}x${h}.png`);
      await shot.screenshot({ path: file });
      files.push(file);
    }
    await context.close();
  }
  return files;
}
