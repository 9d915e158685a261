// Files the app server sends as they are: the built web UI and the Pyodide files of the browser's Python
// worker. A path never leaves its root (`..`, encoded or double-encoded forms, backslashes, dot-files,
// symlinks pointing out), and each file goes out with its MIME type and cache policy.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Readable } from 'node:stream';
import { resolveStaticFile } from '../site/index.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.zip': 'application/zip',
  '.whl': 'application/zip',
  '.tar': 'application/x-tar',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
};

export function contentTypeOfFile(file: string): string {
  return TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** The npm pyodide package's folder and version: served under /pyodide/VERSION/ so it can be cached for good. */
export function pyodidePackage(): { dir: string; version: string } {
  const require = createRequire(import.meta.url);
  const manifest = require.resolve('pyodide/package.json');
  const { version } = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { version: string };
  return { dir: path.dirname(manifest), version };
}

export interface StaticAnswer {
  status: number;
  headers: Record<string, string>;
  body: ReadableStream<Uint8Array> | string | null;
}

/**
 * The file `urlPath` names under `root` (still percent-encoded, without the mount prefix), or a refusal:
 * 403 for an attempt to leave the root, 404 for a file that is not there.
 */
export function staticFile(root: string, urlPath: string, cacheControl: string, head = false): StaticAnswer {
  const found = resolveStaticFile(root, urlPath);
  if (!found.ok) {
    return {
      status: found.status,
      headers: { 'Content-Type': 'text/plain; charset=utf-8' },
      body: found.status === 404 ? 'Not found.\n' : found.status === 400 ? 'Bad request.\n' : 'Forbidden.\n',
    };
  }
  const size = fs.statSync(found.file).size;
  return {
    status: 200,
    headers: {
      'Content-Type': contentTypeOfFile(found.file),
      'Content-Length': String(size),
      'Cache-Control': cacheControl,
      'X-Content-Type-Options': 'nosniff',
      // Loadable by this origin's pages and workers only (a cross-origin isolated worker needs it said).
      'Cross-Origin-Resource-Policy': 'same-origin',
    },
    body: head ? null : (Readable.toWeb(fs.createReadStream(found.file)) as ReadableStream<Uint8Array>),
  };
}
