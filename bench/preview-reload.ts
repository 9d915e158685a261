// bench:preview-reload — how long a reader waits between saving a file and seeing it in the preview:
// a generated corpus served by `bds preview` (in process, watching content as the CLI does), one post
// open in headless Debian Chromium, then repeated edits of that post's file, of a template and of the
// home page's newest post. Each edit is timed from the write to the reloaded page's `load` event, and
// split into write → `reload` event on the stream (watcher + debounce) and the page's own reload.
// Flags: --posts N (default 1000), --edits N (per kind, default 10), --json (last line is one JSON object).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { Workspace } from '../src/app/workspace.js';
import { initProject, updateProjectSettings } from '../src/content/project.js';
import { benchArgs, percentile, round } from './args.js';
import { generateCorpus, writeBdsPosts } from './corpus.js';

const args = benchArgs();
const count = Number(args.get('posts', '1000'));
const edits = Math.max(1, Number(args.get('edits', '10')));
const json = args.has('json');
const log = (line: string) => (json ? process.stderr.write(`${line}\n`) : console.log(line));

const dir = fs.mkdtempSync(
  path.join(fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir(), 'bds-preview-bench-'),
);
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'bds-home-'));
const project = initProject(dir, { name: 'Bench' });
updateProjectSettings(project, { maxPostsPerPage: 20 });
const corpus = generateCorpus(count);
writeBdsPosts(dir, corpus);

const ws = Workspace.open(dir, { home });
const server = await ws.startPreview({ port: 0, resolver: null, watchContent: true });
await server.watching;
const browser = await chromium.launch({
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
const page = await browser.newPage();

// The newest post: it is on the home page, so its edits also change the list.
const newest = (await ws.call('posts.list', { limit: 1 }))[0]!;
const postUrl = `/${newest.dateKey.replaceAll('-', '/')}/${newest.slug}/`;

async function open(url: string): Promise<void> {
  const live = page.waitForResponse((r) => r.url().endsWith('/_bds/events'));
  await page.goto(new URL(url, server.url).href);
  await live;
}

interface Sample {
  total: number;
  event: number;
}

/** In the page: a second stream listener that resolves with the page clock when `reload` arrives. */
const LISTEN_FOR_RELOAD = `new Promise((resolve) => {
  const es = new EventSource('/_bds/events');
  es.addEventListener('reload', () => resolve(performance.now()));
})`;

/** Write, then time the `reload` event (on a second stream listener) and the page's next `load`. */
async function timeEdit(write: () => void): Promise<Sample> {
  const listening = page.waitForResponse((r) => r.url().endsWith('/_bds/events'));
  const event = page.evaluate<number>(LISTEN_FOR_RELOAD).catch(() => Number.NaN);
  await listening;
  const loaded = page.waitForEvent('load', { timeout: 20_000 });
  const live = page.waitForResponse((r) => r.url().endsWith('/_bds/events'), { timeout: 20_000 });
  const pageT0 = await page.evaluate<number>('performance.now()');
  const t0 = performance.now();
  write();
  const eventAt = await event;
  await loaded;
  const total = performance.now() - t0;
  await live; // The reloaded page listens again before the next edit.
  return { total, event: eventAt - pageT0 };
}

function summary(samples: Sample[]) {
  const totals = samples.map((s) => s.total).sort((a, b) => a - b);
  const events = samples
    .map((s) => s.event)
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  return {
    medianMs: round(percentile(totals, 50), 1),
    p95Ms: round(percentile(totals, 95), 1),
    eventMedianMs: round(percentile(events, 50), 1),
  };
}

const file = path.join(dir, newest.path);
const template = path.join(dir, 'templates', 'footer.liquid');
fs.mkdirSync(path.dirname(template), { recursive: true });
const results: Record<string, ReturnType<typeof summary>> = {};
const kinds: [string, string, (i: number) => void][] = [
  ['post file', postUrl, (i) => fs.writeFileSync(file, `${fs.readFileSync(file, 'utf8')}\nEdit ${i}.\n`)],
  [
    'template',
    postUrl,
    (i) => fs.writeFileSync(template, `<footer class="bds-footer"><p>Footer ${i}</p></footer>\n`),
  ],
  [
    'post on the home page',
    '/',
    (i) => fs.writeFileSync(file, `${fs.readFileSync(file, 'utf8')}\nMore ${i}.\n`),
  ],
];
for (const [name, url, write] of kinds) {
  await open(url);
  const samples: Sample[] = [];
  for (let i = 0; i < edits; i++) samples.push(await timeEdit(() => write(i)));
  results[name] = summary(samples);
  const r = results[name];
  log(
    `${name.padEnd(24)} write → page loaded: median ${r.medianMs} ms, p95 ${r.p95Ms} ms (write → reload event ${r.eventMedianMs} ms)`,
  );
}

await browser.close();
await server.close();
await ws.close();
fs.rmSync(dir, { recursive: true, force: true });
fs.rmSync(home, { recursive: true, force: true });
log(`${count} posts, ${edits} edits per kind, Chromium ${browser.version()}`);
if (json) console.log(JSON.stringify({ posts: count, edits, results }));
