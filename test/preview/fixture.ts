// A small blog for the preview tests, written the way a user has it on disk: posts with tags, a page,
// a gallery and a video, a Python macro made through bds, and two imported images. Plus raw HTTP
// requests (paths sent exactly as written, so `..` reaches the server) and a headless Chromium.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import sharp from 'sharp';
import { Workspace } from '../../src/app/workspace.js';
import { postRoute } from '../../src/site/routes.js';
import { samplePost, tempDir, writeProject } from '../helpers/project.js';

export const PUBLIC_URL = 'https://blog.example.org';

export const SHOUT_MACRO =
  'def render(context, post):\n    return "<b>" + context["params"]["text"].upper() + "</b>"\n';

export interface SampleBlog {
  root: string;
  ws: Workspace;
  /** Media ids linked to the gallery post, in order. */
  mediaIds: string[];
  /** URL path of a post by slug, as the site gives it. */
  url(slug: string): string;
}

async function writeImage(file: string, width: number, height: number, color: string): Promise<string> {
  await sharp({ create: { width, height, channels: 3, background: color } })
    .png()
    .toFile(file);
  return file;
}

/**
 * Opens the sample blog. With `python`, the workspace's Pyodide runtime is started and the `shout` macro
 * exists (made through bds, so trusted); without it, posts use no Python macro.
 */
export async function openSampleBlog(options: { python: boolean }): Promise<SampleBlog> {
  const shout = options.python ? '\n\nSaid loudly: [[shout text="hello there"]]\n' : '\n';
  const longLine = `const veryLongVariableName = ${JSON.stringify('x'.repeat(180))};`;
  const root = writeProject(
    {
      'posts/2026/01/first-steps.md': samplePost(
        { slug: 'first-steps', title: 'First steps', tags: ['hello', 'Long Walks'], author: 'Ada' },
        [
          'Welcome to *this* blog. It has **bold** words, `inline code` and [a link](/about/).',
          shout,
          '> A quote that goes on for a while, to see how quotes look in the theme.',
          '',
          'Old files were in /home/ada/Documents/blog/exports/2019/everything-before-the-move/originals-unsorted/.',
          '',
          '```js',
          longLine,
          '```',
          '',
          '- one',
          '- two',
          '',
        ].join('\n'),
      ),
      'posts/2026/02/notes.md': samplePost(
        {
          slug: 'notes',
          title: 'Notes',
          tags: ['notes'],
          createdAt: '2026-02-03T18:30:00Z',
          publishedAt: '2026-02-03T18:30:00Z',
        },
        'Short one.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n',
      ),
      'posts/2026/01/about.md': samplePost(
        { slug: 'about', title: 'About', categories: ['page'] },
        'About me.\n',
      ),
    },
    { settings: { maxPostsPerPage: 2, publicUrl: PUBLIC_URL, description: 'Walks, notes and pictures' } },
  );
  const ws = Workspace.open(root, { home: tempDir('bds-home-'), python: { size: 1 } });
  if (options.python) {
    await ws.python().start();
    await ws.call('scripts.create', { title: 'shout', kind: 'macro', code: SHOUT_MACRO });
  }
  const dir = tempDir();
  const imported = await (
    await ws.call('media.import', {
      files: [
        await writeImage(path.join(dir, 'sea.png'), 1200, 800, '#2b6f9e'),
        await writeImage(path.join(dir, 'dunes.png'), 600, 900, '#c9a04a'),
      ],
      ...{ alt: 'The sea', caption: 'A picture' },
    })
  ).results;
  const mediaIds = imported.map((r) => {
    if (!r.record) throw new Error(`import failed: ${JSON.stringify(r)}`);
    return r.record.id;
  });
  // Written after the import, as a user who links pictures in the post's frontmatter.
  const holidays = 'posts/2026/01/holidays.md';
  fs.writeFileSync(
    path.join(root, holidays),
    samplePost(
      {
        slug: 'holidays',
        title: 'Holidays with a rather long title that wraps on a phone screen',
        tags: ['Long Walks'],
        media: mediaIds,
        createdAt: '2026-01-20T09:00:00Z',
        publishedAt: '2026-01-20T09:00:00Z',
      },
      'Pictures and a film.\n\n[[gallery columns=2 caption="At the sea"]]\n\n[[youtube id="dQw4w9WgXcQ" title="The sea in motion"]]\n',
    ),
  );
  ws.applyExternalChange(holidays);
  return {
    root,
    ws,
    mediaIds,
    url: (slug) => {
      const p = ws
        .siteSource()
        .snapshot()
        .posts.find((x) => x.slug === slug);
      if (!p) throw new Error(`no post ${slug} in the sample blog`);
      return p.categories.includes('page') ? `/${slug}/` : postRoute(p.dateKey, p.slug);
    },
  };
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  text: string;
}

/** One request with the path sent as written (fetch would normalise `..` away) and the given headers. */
export function rawRequest(
  port: number,
  rawPath: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: rawPath, method, headers: { Host: `127.0.0.1:${port}`, ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString('utf8') });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** The built site's files (relative, `/`-separated), sidecars never among them. */
export function siteFiles(htmlDir: string): string[] {
  return (fs.readdirSync(htmlDir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((e) => e.isFile())
    .map((e) => path.relative(htmlDir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}

/** The URL path a built file answers at: `a/b/index.html` → `/a/b/`, `rss.xml` → `/rss.xml`. */
export function routeOfFile(rel: string): string {
  const segments = rel.split('/').map(encodeURIComponent);
  if (segments.at(-1) === 'index.html')
    return `/${segments.slice(0, -1).join('/')}${segments.length > 1 ? '/' : ''}`;
  return `/${segments.join('/')}`;
}

/** Headless Debian Chromium, never a downloaded browser; flags keep it from calling out. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
