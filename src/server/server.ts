// `bds serve`: the app origin (web UI + HTTP API + event stream) on one port and the preview origin (the
// rendered site, drafts included) on another, both on 127.0.0.1. Posts hold raw HTML and macros return
// HTML, so the preview never shares the API's origin; the app shows it in a frame.
import { getRequestListener, type HttpBindings } from '@hono/node-server';
import { Hono, type Context } from 'hono';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ALL_USE_CASES, BdsError, type UseCase, type Workspace } from '../app/index.js';
import { errorResponse, mountUseCases, readJsonBody } from './api.js';
import { isBlogmarkPage, mountBlogmark } from './blogmark.js';
import { openProjectServer } from './open-project.js';
import { Door, newToken, sameToken, type Refusal } from './door.js';
import { bridgeEvents, CHANGE_EVENTS, STREAM_EVENTS } from './event-bridge.js';
import { EventHub } from './event-hub.js';
import { ReadCache } from './read-cache.js';
import { pyodidePackage, staticFile, type StaticAnswer } from './static-files.js';
import { DEFAULT_APP_PORT, removeServerFile, writeServerFile } from './server-file.js';
import { DEFAULT_MAX_UPLOAD_BYTES, uploadMedia } from './upload.js';

export { DEFAULT_APP_PORT };

export interface AppServerOptions {
  /** Default 4120; 0 picks a free port. */
  port?: number;
  /** The preview origin's port. Default: a free one. */
  previewPort?: number;
  /** Default 127.0.0.1. Anything else is the caller's explicit choice (the CLI warns). */
  host?: string;
  /** The built web UI (default: web/dist beside the package). */
  webRoot?: string;
  /** The token of this run (default: a fresh random one; tests pass their own). */
  token?: string;
  maxUploadBytes?: number;
  /** Write BDS_HOME/servers/PROJECT.json so other bds commands find this server (default true). */
  writeServerFile?: boolean;
}

export interface AppServer {
  /** The app's address, without the token. */
  url: string;
  /** The address to open once: it carries the token, which the server swaps for a cookie. */
  loginUrl: string;
  /** A one-time address for opening a browser: the code in it works once, so argv never holds the token. */
  launchUrl(): string;
  previewUrl: string;
  port: number;
  previewPort: number;
  token: string;
  events: EventHub;
  close(): Promise<void>;
}

const here = path.dirname(fileURLToPath(import.meta.url));

/** Where `npm run build` puts the web UI: web/dist at the package root (from src/server or dist/src/server). */
export function defaultWebRoot(): string {
  for (const up of ['../..', '../../..']) {
    const dir = path.resolve(here, up, 'web', 'dist');
    if (fs.existsSync(path.join(dir, 'index.html'))) return dir;
  }
  return path.resolve(here, '../..', 'web', 'dist');
}

/** Headers of every answer: no sniffing, no referrer, never framed by another site. */
const COMMON_HEADERS: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/** The UI's policy: its own scripts only (and WebAssembly for Pyodide), the preview origin in frames. */
function contentSecurityPolicy(previewOrigin: string): string {
  return [
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "style-src 'self' 'unsafe-inline'",
    `img-src 'self' data: blob: ${previewOrigin}`,
    `frame-src ${previewOrigin}`,
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * True when a path tries to climb out of where it points: `.`/`..` segments or backslashes, as written or
 * after one or two rounds of percent-decoding. URL parsing would quietly resolve them; the raw path is
 * checked before that happens, so no static root is ever asked for such a name.
 */
export function climbsOut(rawPath: string): boolean {
  let p = rawPath;
  for (let round = 0; round < 3; round++) {
    if (p.includes('\\') || p.includes('\0')) return true;
    if (p.split('/').some((seg) => seg === '.' || seg === '..')) return true;
    let next: string;
    try {
      next = decodeURIComponent(p);
    } catch {
      return true;
    }
    if (next === p) return false;
    p = next;
  }
  return true;
}

/**
 * Uploads a crashed server left half-written. Only old ones: a fresh one may belong to another bds
 * server on the same project, writing right now.
 */
function removeStaleUploads(dir: string, olderThanMs = 6 * 60 * 60 * 1000): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const abs = path.join(dir, e.name);
    try {
      if (Date.now() - fs.statSync(abs).mtimeMs > olderThanMs)
        fs.rmSync(abs, { recursive: true, force: true });
    } catch {
      // Gone meanwhile.
    }
  }
}

function refusalResponse(c: Context, r: Refusal): Response {
  return c.json({ code: r.code, message: r.message, hint: new BdsError(r.code, r.message).hint }, r.status);
}

function answer(a: StaticAnswer): Response {
  return new Response(a.body, { status: a.status, headers: a.headers });
}

/** The routes of the API with their schemas, for clients and people exploring the API. */
function routeTable(): unknown[] {
  const schema = (s: z.ZodType) => {
    try {
      return z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' });
    } catch {
      return {};
    }
  };
  return (ALL_USE_CASES as readonly UseCase[]).map((uc) => ({
    name: uc.name,
    method: uc.http.method,
    path: uc.http.path,
    readOnly: uc.readOnly,
    description: uc.description,
    errors: uc.errors,
    input: schema(uc.input),
  }));
}

/** The page shown while the web UI is not built: what this server is and where its parts are. */
function noUiPage(name: string, previewUrl: string): string {
  const esc = (s: string) => s.replace(/[&<>"]/g, (ch) => `&#${ch.charCodeAt(0)};`);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(name)} · bds</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color-scheme:light dark}code{font-size:.9em}</style>
</head><body><h1>${esc(name)}</h1>
<p>This bds server is running, but its web UI has not been built (<code>npm run build</code> builds it).</p>
<ul><li>Preview of the site, drafts included: <a href="${esc(previewUrl)}">${esc(previewUrl)}</a></li>
<li>The HTTP API: <a href="/api/routes">/api/routes</a> lists every route with its input schema.</li></ul>
</body></html>`;
}

export async function startAppServer(ws: Workspace, options: AppServerOptions = {}): Promise<AppServer> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? newToken();
  const webRoot = options.webRoot ?? defaultWebRoot();
  const maxUpload = options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES;
  const pyodide = pyodidePackage();
  const hub = new EventHub();
  const launchCodes = new Map<string, number>();

  removeStaleUploads(path.join(ws.project.paths.cache, 'uploads'));

  // The app's port first: the preview's frame policy names the app's origin.
  const server = http.createServer({
    // A client that sends its request slowly cannot hold a connection for long; event streams are
    // responses, which these limits do not cut.
    requestTimeout: 120_000,
    headersTimeout: 10_000,
    keepAliveTimeout: 5_000,
  });
  const port = await new Promise<number>((resolve, reject) => {
    const wanted = options.port ?? DEFAULT_APP_PORT;
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'EADDRINUSE'
          ? new BdsError('preview-port-in-use', `Port ${wanted} on ${host} is already in use`, { cause: e })
          : e,
      ),
    );
    server.listen(wanted, host, () => resolve((server.address() as AddressInfo).port));
  });
  const appOrigins = [`http://127.0.0.1:${port}`, `http://localhost:${port}`];
  let preview;
  try {
    preview = await ws.startPreview({
      port: options.previewPort ?? 0,
      watchContent: true,
      frameAncestors: appOrigins,
      browserPython: { webRoot, pyodide },
    });
  } catch (e) {
    server.close();
    throw e;
  }
  const previewOrigin = preview.url.replace(/\/$/, '');
  const csp = contentSecurityPolicy(previewOrigin);
  const loopback = ['127.0.0.1', 'localhost', '::1'].includes(host);
  const door = new Door(token, port, loopback ? undefined : host);
  // Kept answers go before the events reach clients: a client that reads again on an event sees the change.
  const cache = new ReadCache();
  const stopCache = CHANGE_EVENTS.map((name) => ws.events.on(name, () => cache.clear()));
  const stopBridge = bridgeEvents(ws, hub);
  void ws.watch();
  // The first search after a rebuild fills the search index; do it now, not while the user types.
  setImmediate(() => {
    try {
      ws.ensureSearchIndex();
    } catch {
      // The index reports its own problems at the next search.
    }
  });

  const app = new Hono<{ Bindings: HttpBindings }>();
  app.use('*', async (c, next) => {
    const req = { method: c.req.method, path: c.req.path, header: (n: string) => c.req.header(n) };
    // The blogmark confirm page is the one page other sites may open (in a window of its own).
    const refused = isBlogmarkPage(req) ? door.checkNavigation(req) : door.checkSite(req);
    if (refused) return refusalResponse(c, refused);
    const rawPath = (c.env.incoming.url ?? '/').split('?')[0]!;
    if (climbsOut(rawPath)) {
      return errorResponse(
        c,
        new BdsError('path-escape', `The path ${rawPath.slice(0, 200)} climbs out of its folder`),
      );
    }
    if (c.req.path.startsWith('/api/')) {
      const noToken = door.checkToken(req);
      if (noToken) return refusalResponse(c, noToken);
    }
    await next();
    for (const [k, v] of Object.entries(COMMON_HEADERS)) if (!c.res.headers.has(k)) c.res.headers.set(k, v);
    if (!c.res.headers.has('Cache-Control')) c.res.headers.set('Cache-Control', 'no-store');
  });

  app.get('/api/events', (c) => {
    const lastId = c.req.header('last-event-id') ?? c.req.query('lastEventId');
    return new Response(hub.stream(lastId), {
      headers: {
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-store',
        'X-Accel-Buffering': 'no',
      },
    });
  });
  app.get('/api/routes', (c) => c.json({ routes: routeTable(), events: STREAM_EVENTS }));
  app.get('/api/server', (c) => c.json(serverInfo()));
  app.post('/api/media/upload', async (c) => {
    try {
      return c.json(await uploadMedia(ws, c.req.raw, c.req.queries(), maxUpload));
    } catch (e) {
      return errorResponse(c, e);
    }
  });
  // The project switcher: the app of another project is that project's own server (found, or started).
  app.post('/api/projects/open', async (c) => {
    try {
      const input = z.object({ dir: z.string().min(1) }).safeParse(await readJsonBody(c.req.raw));
      if (!input.success)
        throw new BdsError('invalid-argument', 'Say which project folder to open: {"dir": "/path"}');
      const dir = path.resolve(input.data.dir);
      const meta = await ws.call('projects.readMetadata', { folderPath: dir }, { caller: 'http' });
      if (meta.id === ws.project.settings.id) return c.json({ loginUrl: '/', started: false, current: true });
      return c.json({ ...(await openProjectServer(ws.home, { id: meta.id, dir })), current: false });
    } catch (e) {
      return errorResponse(c, e);
    }
  });
  mountUseCases(app, ws, cache);
  mountBlogmark(app, ws, door);
  app.all('/api/*', (c) =>
    errorResponse(c, new BdsError('route-not-found', `No API route ${c.req.method} ${c.req.path}`)),
  );

  const pyodidePrefix = `/pyodide/${pyodide.version}/`;
  app.get('/pyodide/*', (c) => {
    const raw = new URL(c.req.url).pathname;
    if (!raw.startsWith(pyodidePrefix)) return c.text('Not found.\n', 404);
    return answer(
      staticFile(
        pyodide.dir,
        raw.slice(pyodidePrefix.length),
        'public, max-age=31536000, immutable',
        c.req.method === 'HEAD',
      ),
    );
  });

  /** The server's addresses and the newest posts, as JSON safe inside <script>; undefined on failure. */
  const bootData = async (): Promise<string | undefined> => {
    try {
      const key = 'boot:posts.list?limit=100';
      let posts = cache.get(key)?.body;
      if (posts === undefined) {
        const generation = cache.begin();
        posts = cache.set(key, JSON.stringify(await ws.call('posts.list', { limit: 100 })), generation).body;
      }
      const server = JSON.stringify(serverInfo());
      return `{"server":${server},"posts":${posts}}`.replaceAll('<', '\\u003c');
    } catch {
      return undefined; // The app asks again through the API and shows the error there.
    }
  };
  const serverInfo = () => ({
    previewUrl: preview.url,
    pyodide: `/pyodide/${pyodide.version}/`,
    boot: hub.boot,
  });

  app.get('*', async (c) => {
    const url = new URL(c.req.url);
    // The printed address carries the token once: it becomes a cookie, and the address loses it.
    const given = url.searchParams.get('token');
    const launch = url.searchParams.get('launch');
    if (given !== null || launch !== null) {
      let ok = given !== null && sameToken(given, token);
      if (!ok && launch !== null) {
        const expires = launchCodes.get(launch);
        launchCodes.delete(launch);
        ok = expires !== undefined && expires > Date.now();
      }
      if (!ok)
        return refusalResponse(c, {
          status: 401,
          code: 'wrong-token',
          message: 'This address is not valid for this bds server (the token changes every run).',
        });
      url.searchParams.delete('token');
      url.searchParams.delete('launch');
      return new Response(null, {
        status: 303,
        headers: { Location: `${url.pathname}${url.search}`, 'Set-Cookie': door.cookie() },
      });
    }
    const html = { 'Content-Security-Policy': csp, 'Content-Type': 'text/html; charset=utf-8' };
    const index = path.join(webRoot, 'index.html');
    if (!fs.existsSync(index))
      return new Response(noUiPage(ws.project.settings.name, preview.url), { headers: html });
    if (url.pathname !== '/' && path.extname(url.pathname) !== '') {
      // Built assets have content hashes in their names: they can be kept.
      return answer(
        staticFile(
          webRoot,
          url.pathname.slice(1),
          'public, max-age=31536000, immutable',
          c.req.method === 'HEAD',
        ),
      );
    }
    let page = fs.readFileSync(index, 'utf8');
    // With the token (the cookie), the page carries what the app shows first: no round trip before the
    // first rows. A data block, not a script: the CSP has nothing to allow.
    if (!door.checkToken({ method: 'GET', path: url.pathname, header: (n) => c.req.header(n) })) {
      const boot = await bootData();
      const block = boot && `<script id="bds-boot" type="application/json">${boot}</script>`;
      if (block) page = page.includes('</head>') ? page.replace('</head>', `${block}</head>`) : page + block;
    }
    return new Response(page, { headers: { ...html, 'Cache-Control': 'no-store' } });
  });

  server.on('request', getRequestListener(app.fetch));

  const url = `http://127.0.0.1:${port}/`;
  const serverFile =
    options.writeServerFile === false
      ? undefined
      : writeServerFile(ws.home, ws.project.settings.id, {
          pid: process.pid,
          url,
          previewUrl: preview.url,
          project: ws.root,
          token,
        });

  return {
    url,
    loginUrl: `${url}?token=${token}`,
    launchUrl: () => {
      const code = newToken();
      launchCodes.set(code, Date.now() + 60_000);
      return `${url}?launch=${code}`;
    },
    previewUrl: preview.url,
    port,
    previewPort: preview.port,
    token,
    events: hub,
    async close() {
      stopBridge();
      for (const off of stopCache) off();
      hub.close();
      if (serverFile) removeServerFile(serverFile, token);
      await preview.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
