// bench:site — one generated corpus built side by side with bds, Eleventy and Hugo in the same run
// (same Markdown, equivalent pages: posts, a paginated home page, tag, category, year, month and day
// lists, a feed, a sitemap, a 404 page), then a warm incremental bds rebuild after editing one post, and
// the extra time when every post holds one Python macro.
// Every timing is the median of --runs runs (default 3). bds is timed as `bds build` processes (the real CLI
// path: node start, index rebuild, build) and, in one process, through the compiled buildSite() the CLI
// calls (dist/, as bds runs; compiled first unless --no-compile).
// Flags: --posts N (default 4000), --runs N, --edits N (incremental rebuilds, default 15), --dir DIR
// (where the sites go; default /dev/shm when it exists, to keep disk noise out of the comparison),
// --no-compile (use dist/ as it is), --skip-eleventy, --skip-hugo, --skip-macro, --macro-pairs N (pairs of
// builds for the macro overhead, default 7 or --runs if more), --json (the last line
// is one JSON object), --hand (the posts' frontmatter as people and other tools write it: no id, `date:`,
// quotes, flow lists, comments, unknown keys; bodies with tables), --corpus DIR (build an existing folder
// of Markdown posts with frontmatter: bds gets the files as they are and fills what is missing, the peers
// get the same Markdown and the title, date, tags and category bds reads; drafts are left out).
// Peak RSS of every tool is reported (through /usr/bin/time).
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BuildSummary } from '../src/site/index.js';
import type * as WorkspaceModule from '../src/app/workspace.js';
import { initProject, updateProjectSettings } from '../src/content/project.js';
import type { PythonRuntime, PythonWorkerPool } from '../src/scripting/index.js';
import { benchArgs, percentile, round } from './args.js';
import { parsePostText } from '../src/content/posts/post-file.js';
import { generateCorpus, writeBdsPosts, writeHandWrittenPosts, type CorpusPost } from './corpus.js';

const args = benchArgs();
const corpusDir = args.get('corpus', '');
const hand = args.has('hand');
const runs = Math.max(1, Number(args.get('runs', '3')));
// The macro overhead is a difference of two in-process builds, each as noisy as the machine: more pairs
// than the other timings, so that their median holds still.
const macroPairs = Math.max(runs, Number(args.get('macro-pairs', '7')));
const edits = Math.max(1, Number(args.get('edits', '15')));
const json = args.has('json');
const REPO = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const ELEVENTY_DIR = path.join(REPO, 'bench', '.cache', 'eleventy');
const PER_PAGE = 50;
const log = (line: string) => {
  if (!json) console.log(line);
  else process.stderr.write(`${line}\n`);
};

function defaultBase(): string {
  try {
    fs.accessSync('/dev/shm', fs.constants.W_OK);
    return '/dev/shm';
  } catch {
    return os.tmpdir();
  }
}
const base = fs.mkdtempSync(path.join(args.get('dir', defaultBase()), 'bds-bench-site-'));
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'bds-bench-home-'));
function cleanUp(): void {
  fs.rmSync(base, { recursive: true, force: true });
  fs.rmSync(home, { recursive: true, force: true });
}
// Ctrl-C or a kill leaves no generated sites behind either.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    cleanUp();
    process.exit(130);
  });
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const spread = (values: number[]) => values.map((v) => round(v, 0)).join(', ');

const TIME = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

/**
 * Runs a command to completion: its wall time, and (through /usr/bin/time, when there) the CPU time it
 * used on all its threads, which a machine busy with other work disturbs much less than wall time.
 */
function timed(
  cmd: string,
  argv: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): { ms: number; cpuMs: number | null; rssMb: number | null; stdout: string } {
  const usage = path.join(home, `time-${process.pid}.txt`);
  const [file, args] = TIME ? [TIME, ['-o', usage, '-f', '%U %S %M', cmd, ...argv]] : [cmd, argv];
  const t = performance.now();
  const r = spawnSync(file, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const ms = performance.now() - t;
  if (r.status !== 0) {
    throw new Error(
      `${cmd} ${argv.join(' ')} failed (${r.status}):\n${r.stderr}\n${r.stdout}`.slice(0, 4000),
    );
  }
  let cpuMs: number | null = null;
  let rssMb: number | null = null;
  if (TIME) {
    const [user, sys, rssKb] = fs
      .readFileSync(usage, 'utf8')
      .trim()
      .split('\n')
      .at(-1)!
      .split(' ')
      .map(Number);
    cpuMs = ((user ?? 0) + (sys ?? 0)) * 1000;
    rssMb = rssKb === undefined ? null : rssKb / 1024;
  }
  return { ms, cpuMs, rssMb, stdout: r.stdout };
}

/** Hugo's `…/page/1/index.html` files: redirects to the list's first page, not pages. */
function countAliases(dir: string): number {
  let n = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && e.name === 'index.html' && path.basename(e.parentPath) === '1') {
      if (path.basename(path.dirname(e.parentPath)) === 'page') n++;
    }
  }
  return n;
}

function countFiles(dir: string): number {
  let n = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) n++;
  return n;
}

const iso = (d: Date) => d.toISOString().replace('.000Z', 'Z');

// ------------------------------------------------------------------ bds

function buildDist(): void {
  if (args.has('no-compile') && fs.existsSync(path.join(REPO, 'dist', 'cli', 'bds.js'))) return;
  log('compiling bds (npm run build, not timed)...');
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] });
}

function makeBdsProject(dir: string, posts: CorpusPost[]): void {
  const project = initProject(dir, { name: 'Bench' });
  updateProjectSettings(project, { publicUrl: 'https://example.org', maxPostsPerPage: PER_PAGE });
  if (corpusDir) fs.cpSync(corpusDir, path.join(dir, 'posts'), { recursive: true });
  else if (hand) writeHandWrittenPosts(dir, posts);
  else writeBdsPosts(dir, posts);
}

/** The published posts of a folder of Markdown files, read by bds's own parser (for the peers' copies). */
function readCorpus(dir: string): CorpusPost[] {
  const posts: CorpusPost[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile() || !/\.(md|markdown)$/i.test(e.name)) continue;
    const file = path.join(e.parentPath, e.name);
    const stat = fs.statSync(file);
    // As bds sees it in the project: under posts/, in UTC (the bench project's timezone).
    const rel = `posts/${path.relative(dir, file).split(path.sep).join('/')}`;
    const text = fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
    const { fm, body } = parsePostText(text, rel, {
      mtimeMs: stat.mtimeMs,
      size: stat.size,
      timezone: 'UTC',
    });
    if (fm.status !== 'published') continue;
    posts.push({
      slug: fm.slug,
      title: fm.title,
      date: new Date(fm.publishedAt ?? fm.createdAt),
      tags: fm.tags,
      category: fm.categories[0] ?? '',
      body,
    });
  }
  return posts;
}

/** One `bds build` process: its wall and CPU time, and the build time it reports (index rebuild excluded). */
function bdsCli(
  dir: string,
  extra: string[] = [],
): { ms: number; cpuMs: number | null; rssMb: number | null; buildMs: number } {
  const r = timed(
    process.execPath,
    [path.join(REPO, 'dist', 'cli', 'bds.js'), '--project', dir, '--json', 'build', ...extra],
    { env: { BDS_HOME: home } },
  );
  const summary = JSON.parse(r.stdout) as { ms: number };
  return { ms: r.ms, cpuMs: r.cpuMs, rssMb: r.rssMb, buildMs: summary.ms };
}

interface Dist {
  buildSite: (
    ws: WorkspaceModule.Workspace,
    options: { force?: boolean; outDir?: string; resolver?: null },
  ) => Promise<BuildSummary>;
  Workspace: typeof WorkspaceModule.Workspace;
}

/** The compiled modules `bds` runs (Python workers started from them load no TypeScript loader). */
async function loadDist(): Promise<Dist> {
  const workspace = (await import(
    pathToFileURL(path.join(REPO, 'dist', 'app', 'workspace.js')).href
  )) as typeof WorkspaceModule;
  // The site.build use case, with the in-process option of no Python where the run asks for it.
  const buildSite: Dist['buildSite'] = (ws, { resolver, ...input }) =>
    ws.call('site.build', input, resolver === null ? { build: { resolver: null } } : {});
  return { buildSite, Workspace: workspace.Workspace };
}

// ------------------------------------------------------------------ Eleventy

function ensureEleventy(): string | null {
  const cmd = path.join(ELEVENTY_DIR, 'node_modules', '@11ty', 'eleventy', 'cmd.cjs');
  if (!fs.existsSync(cmd)) {
    log('installing Eleventy into bench/.cache/eleventy (once)...');
    const r = spawnSync(
      'npm',
      ['install', '--prefix', ELEVENTY_DIR, '--no-audit', '--no-fund', '@11ty/eleventy'],
      {
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    if (r.status !== 0 || !fs.existsSync(cmd)) return null;
  }
  return cmd;
}

const ELEVENTY_CONFIG = `// Equivalent pages to bds: posts at /YYYY/MM/DD/slug/, and paginated lists (home, tags, categories,
// years, months, days) built from one collection of list pages.
const PER_PAGE = ${PER_PAGE};
export default function (config) {
  const sorted = (api) => api.getFilteredByGlob('posts/*.md').sort((a, b) => b.date - a.date);
  config.addCollection('listPages', (api) => {
    const posts = sorted(api);
    const pages = [];
    const add = (title, base, list) => {
      const count = Math.max(1, Math.ceil(list.length / PER_PAGE));
      for (let i = 0; i < count; i++) {
        const url = (n) => (n === 1 ? base : base + 'page/' + n + '/');
        pages.push({
          title,
          url: url(i + 1),
          posts: list.slice(i * PER_PAGE, (i + 1) * PER_PAGE),
          newer: i > 0 ? url(i) : null,
          older: i + 1 < count ? url(i + 2) : null,
        });
      }
    };
    const group = (key) => {
      const m = new Map();
      for (const p of posts) for (const k of key(p)) (m.get(k) ?? m.set(k, []).get(k)).push(p);
      return m;
    };
    const d = (p) => p.date.toISOString();
    add('Home', '/', posts);
    for (const [k, l] of group((p) => [d(p).slice(0, 4)])) add(k, '/' + k + '/', l);
    for (const [k, l] of group((p) => [d(p).slice(0, 7)])) add(k, '/' + k.replace('-', '/') + '/', l);
    for (const [k, l] of group((p) => [d(p).slice(0, 10)])) add(k, '/' + k.replaceAll('-', '/') + '/', l);
    for (const [k, l] of group((p) => p.data.tags ?? [])) add('#' + k, '/tag/' + encodeURIComponent(k) + '/', l);
    for (const [k, l] of group((p) => (p.data.category ? [p.data.category] : []))) add(k, '/category/' + encodeURIComponent(k) + '/', l);
    return pages;
  });
  config.addCollection('feed', (api) => sorted(api).slice(0, PER_PAGE));
  return { dir: { input: '.', includes: '_includes', output: '_site' }, markdownTemplateEngine: false };
}
`;

const ELEVENTY_BASE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ title | escape }} · Bench</title><link rel="stylesheet" href="/assets/style.css"></head><body><header><a href="/">Bench</a></header><main>{{ content }}</main><footer>Bench · <a href="/rss.xml">RSS</a></footer></body></html>`;

function makeEleventySite(dir: string, posts: CorpusPost[]): void {
  const w = (rel: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  };
  w('eleventy.config.mjs', ELEVENTY_CONFIG);
  w('_includes/base.liquid', ELEVENTY_BASE);
  w(
    '_includes/post.liquid',
    `---\nlayout: base.liquid\n---\n<article><h1>{{ title | escape }}</h1><p><time datetime="{{ page.date | date: '%Y-%m-%dT%H:%M:%SZ' }}">{{ page.date | date: '%B %-d, %Y' }}</time> · <a href="/category/{{ category | url_encode }}/">{{ category }}</a></p><div>{{ content }}</div><ul>{% for t in tags %}<li><a href="/tag/{{ t | url_encode }}/">#{{ t | escape }}</a></li>{% endfor %}</ul></article>`,
  );
  w(
    'posts/posts.11tydata.mjs',
    `export default { layout: 'post.liquid', eleventyComputed: { permalink: (data) => { const d = data.page.date.toISOString(); return '/' + d.slice(0, 4) + '/' + d.slice(5, 7) + '/' + d.slice(8, 10) + '/' + data.page.fileSlug + '/'; } } };\n`,
  );
  w(
    'list.liquid',
    `---\nlayout: base.liquid\npagination:\n  data: collections.listPages\n  size: 1\n  alias: lp\npermalink: "{{ lp.url }}"\neleventyComputed:\n  title: "{{ lp.title }}"\n---\n<h1>{{ lp.title | escape }}</h1>{% for post in lp.posts %}<article><h2><a href="{{ post.url }}">{{ post.data.title | escape }}</a></h2><div>{{ post.content }}</div><p><time>{{ post.date | date: '%H:%M' }}</time>{% for t in post.data.tags %} <a href="/tag/{{ t | url_encode }}/">#{{ t | escape }}</a>{% endfor %}</p></article>{% endfor %}{% if lp.newer %}<a href="{{ lp.newer }}">Newer</a>{% endif %}{% if lp.older %}<a href="{{ lp.older }}">Older</a>{% endif %}`,
  );
  w(
    'rss.liquid',
    `---\npermalink: /rss.xml\neleventyExcludeFromCollections: true\n---\n<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Bench</title><link>https://example.org/</link><description>Bench</description>{% for post in collections.feed %}<item><title>{{ post.data.title | escape }}</title><link>https://example.org{{ post.url }}</link><guid>https://example.org{{ post.url }}</guid><pubDate>{{ post.date | date: '%a, %d %b %Y %H:%M:%S GMT' }}</pubDate><description>{{ post.content | escape }}</description></item>{% endfor %}</channel></rss>`,
  );
  w(
    'sitemap.liquid',
    `---\npermalink: /sitemap.xml\neleventyExcludeFromCollections: true\n---\n<?xml version="1.0" encoding="utf-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{% for p in collections.all %}<url><loc>https://example.org{{ p.url }}</loc></url>{% endfor %}{% for lp in collections.listPages %}<url><loc>https://example.org{{ lp.url }}</loc></url>{% endfor %}</urlset>`,
  );
  w(
    '404.liquid',
    `---\nlayout: base.liquid\npermalink: /404.html\ntitle: Not found\n---\n<h1>Not found</h1>`,
  );
  for (const p of posts) {
    w(
      `posts/${p.slug}.md`,
      `---\ntitle: ${JSON.stringify(p.title)}\ndate: ${iso(p.date)}\ntags: ${JSON.stringify(p.tags)}\ncategory: ${p.category}\n---\n${p.body}`,
    );
  }
}

// ------------------------------------------------------------------ Hugo

function makeHugoSite(dir: string, posts: CorpusPost[]): void {
  const w = (rel: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  };
  // Hugo has no date archives: years, months and days are taxonomies, which gives the same paginated lists.
  w(
    'hugo.toml',
    `baseURL = "https://example.org/"
title = "Bench"
languageCode = "en"
ignoreErrors = ["error-disable-taxonomy"]
disableKinds = ["taxonomy", "section"]
paginate = ${PER_PAGE}
[taxonomies]
tag = "tags"
category = "categories"
year = "years"
month = "months"
day = "days"
[permalinks]
posts = "/:year/:month/:day/:slug/"
[markup.goldmark.renderer]
unsafe = true
[outputs]
home = ["HTML", "RSS"]
term = ["HTML"]
`,
  );
  w(
    'layouts/_default/baseof.html',
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ .Title }} · {{ site.Title }}</title><link rel="stylesheet" href="/assets/style.css"></head><body><header><a href="/">{{ site.Title }}</a></header><main>{{ block "main" . }}{{ end }}</main><footer>{{ site.Title }} · <a href="/index.xml">RSS</a></footer></body></html>`,
  );
  w(
    'layouts/_default/single.html',
    `{{ define "main" }}<article><h1>{{ .Title }}</h1><p><time datetime="{{ .Date.Format "2006-01-02T15:04:05Z07:00" }}">{{ .Date.Format "January 2, 2006" }}</time>{{ range .Params.categories }} · <a href="/categories/{{ . | urlize }}/">{{ . }}</a>{{ end }}</p><div>{{ .Content }}</div><ul>{{ range .Params.tags }}<li><a href="/tags/{{ . | urlize }}/">#{{ . }}</a></li>{{ end }}</ul></article>{{ end }}`,
  );
  w(
    'layouts/_default/list.html',
    `{{ define "main" }}<h1>{{ .Title }}</h1>{{ range .Paginator.Pages }}<article><h2><a href="{{ .RelPermalink }}">{{ .Title }}</a></h2><div>{{ .Content }}</div><p><time>{{ .Date.Format "15:04" }}</time>{{ range .Params.tags }} <a href="/tags/{{ . | urlize }}/">#{{ . }}</a>{{ end }}</p></article>{{ end }}{{ with .Paginator.Prev }}<a href="{{ .URL }}">Newer</a>{{ end }}{{ with .Paginator.Next }}<a href="{{ .URL }}">Older</a>{{ end }}{{ end }}`,
  );
  w('layouts/404.html', `{{ define "main" }}<h1>Not found</h1>{{ end }}`);
  for (const p of posts) {
    const d = iso(p.date);
    w(
      `content/posts/${p.slug}.md`,
      `---\ntitle: ${JSON.stringify(p.title)}\ndate: ${d}\nslug: ${p.slug}\ntags: ${JSON.stringify(p.tags)}\ncategories: ${JSON.stringify(p.category ? [p.category] : [])}\nyears: ["${d.slice(0, 4)}"]\nmonths: ["${d.slice(0, 7)}"]\ndays: ["${d.slice(0, 10)}"]\n---\n${p.body}`,
    );
  }
}

// ------------------------------------------------------------------ macro overhead

const MACRO_CODE = `def render(context, post):
    return '<span class="bench">' + str(context["params"].get("n", 0)) + '</span>'
`;

const isPool = (runtime: PythonRuntime): runtime is PythonWorkerPool => runtime.mode === 'worker';

/**
 * In-process builds of the same posts without and with one Python macro each, caches ignored (`force`),
 * with every worker of the runtime pool started beforehand: starting Pyodide is a one-time cost of the
 * process (reported apart), not a cost per macro. Two projects, one with the macros, built in turn
 * after one untimed build each: a machine that drifts (other work, a process warming up) weighs on
 * both alike, and the overhead is the median of the differences of each pair.
 */
async function macroOverhead(
  dist: Dist,
  dir: string,
  posts: CorpusPost[],
): Promise<{ ms: number | null; runsMs: number[]; note: string }> {
  const plainDir = `${dir}-plain`;
  makeBdsProject(dir, posts);
  makeBdsProject(plainDir, posts);
  const ws = dist.Workspace.open(dir, { home });
  const plain = dist.Workspace.open(plainDir, { home });
  try {
    const script = await ws.call('scripts.create', {
      title: 'bench macro',
      kind: 'macro',
      code: MACRO_CODE,
      enabled: true,
    });
    await ws.call('scripts.trust', { ref: script.slug });
    const out = path.join(dir, 'out');
    const plainOut = path.join(plainDir, 'out');
    const resolver = ws.macroResolver();
    const runtime = ws.python();
    const call = (p: { slug: string; path: string }) =>
      resolver.render({
        slug: script.slug,
        context: {
          params: { n: 0 },
          language: 'en',
          post_slug: p.slug,
          env: { isPreview: false, mainLanguage: 'en', source: { kind: 'macro', id: script.slug } },
        },
        post: null,
        postJson: 'null',
        macro: { name: script.slug, params: {}, raw: '', start: 0, end: 0, file: p.path, line: 1, column: 1 },
      });
    const t0 = performance.now();
    const sample = await ws.call('posts.list', { limit: 8 });
    // Every worker of the pool started and answering before the timed builds.
    await (isPool(runtime) ? runtime.start(runtime.size) : runtime.start());
    await Promise.all(sample.flatMap((p) => [call(p), call(p)]));
    const startMs = performance.now() - t0;
    const workers = isPool(runtime) ? runtime.stats().workers : [];
    const workerNote = isPool(runtime)
      ? `${workers.filter((w) => w.state === 'ready').length}/${workers.length} workers ready`
      : `${runtime.mode} mode`;
    for (const p of await ws.call('posts.list', {})) {
      const abs = path.join(dir, p.path);
      fs.appendFileSync(abs, `\n[[${script.slug} n=1]]\n`);
      ws.applyExternalChange(p.path);
    }
    let onWorkers = 0;
    const withMacros = async (): Promise<number | string> => {
      const built = await dist.buildSite(ws, { force: true, outDir: out });
      if (built.macroCounters.python !== posts.length || built.failures.length > 0) {
        return `macros did not all run: ${JSON.stringify(built.macroCounters)} ${built.failures[0]?.message ?? ''}`;
      }
      onWorkers = built.postsOnWorkers ?? 0;
      return built.ms;
    };
    const without: number[] = [];
    const withMacro: number[] = [];
    for (let r = -1; r < macroPairs; r++) {
      const a = (await dist.buildSite(plain, { force: true, outDir: plainOut })).ms;
      const b = await withMacros();
      if (typeof b === 'string') return { ms: null, runsMs: [], note: b };
      // The first pair warms both up and is not counted.
      if (r < 0) continue;
      without.push(a);
      withMacro.push(b);
    }
    const runsMs = withMacro.map((w, i) => w - without[i]!);
    return {
      ms: median(runsMs),
      runsMs,
      note: `${posts.length} Python macro calls (${onWorkers > 0 ? `${onWorkers} posts rendered whole on the Python workers` : 'posts rendered here, their macros batched for the Python workers'}); in-process build ${round(median(without), 0)} ms → ${round(median(withMacro), 0)} ms (runs ${spread(without)} → ${spread(withMacro)}, ${macroPairs} pairs built in turn after one untimed pair); runtime start ${round(startMs, 0)} ms, ${workerNote} (not counted)`,
    };
  } finally {
    await ws.close();
    await plain.close();
  }
}

// ------------------------------------------------------------------ run

/** A fresh copy of the bds project for each cold run: no .bds/ (index, caches), no html/. */
function resetBdsProject(dir: string): void {
  fs.rmSync(path.join(dir, '.bds'), { recursive: true, force: true });
  fs.rmSync(path.join(dir, 'html'), { recursive: true, force: true });
}

try {
  const posts = corpusDir
    ? readCorpus(corpusDir)
    : generateCorpus(Number(args.get('posts', '4000')), 42, { tables: hand });
  const count = posts.length;
  log(
    `bds site benchmark: ${corpusDir ? `the corpus in ${corpusDir}` : hand ? 'hand-written frontmatter' : 'bds frontmatter'}`,
  );
  log(`bds site benchmark: ${count} posts, ${runs} run(s) each (medians), sites under ${base}`);
  buildDist();
  const dist = await loadDist();

  // The three generators on the same posts, round by round (bds, Eleventy, Hugo in turn), so a machine
  // busier in one moment than another weighs on all three alike. bds: a project without .bds/ or html/
  // built by the CLI (index included), then the same command again with nothing changed.
  const bdsDir = path.join(base, 'bds');
  makeBdsProject(bdsDir, posts);
  const eleventyCmd = args.has('skip-eleventy') ? null : ensureEleventy();
  if (!args.has('skip-eleventy') && !eleventyCmd) log('  Eleventy  could not be installed; skipped');
  const eleventyDir = path.join(base, 'eleventy');
  if (eleventyCmd) makeEleventySite(eleventyDir, posts);
  const hugo = fs.existsSync('/usr/bin/hugo') ? '/usr/bin/hugo' : 'hugo';
  const hugoDir = path.join(base, 'hugo');
  let hugoOk = !args.has('skip-hugo');
  if (hugoOk) makeHugoSite(hugoDir, posts);

  type Run = { ms: number; cpuMs: number | null; rssMb: number | null };
  const cold: (Run & { buildMs: number })[] = [];
  const again: number[] = [];
  const oneEdit: number[] = [];
  // The post a new `bds build` process finds edited (a sentence appended each round).
  const editedPost = (() => {
    const files = fs.readdirSync(path.join(bdsDir, 'posts'), { recursive: true, encoding: 'utf8' });
    return path.join(bdsDir, 'posts', files.filter((f) => f.endsWith('.md')).sort()[0]!);
  })();
  const eleventyRuns: Run[] = [];
  const hugoRuns: Run[] = [];
  for (let r = 0; r < runs; r++) {
    resetBdsProject(bdsDir);
    cold.push(bdsCli(bdsDir));
    again.push(bdsCli(bdsDir).ms);
    fs.appendFileSync(editedPost, `\nOne more sentence, round ${r} of the benchmark.\n`);
    oneEdit.push(bdsCli(bdsDir).ms);
    if (eleventyCmd) {
      fs.rmSync(path.join(eleventyDir, '_site'), { recursive: true, force: true });
      fs.rmSync(path.join(eleventyDir, '.cache'), { recursive: true, force: true });
      eleventyRuns.push(timed(process.execPath, [eleventyCmd, '--quiet'], { cwd: eleventyDir }));
    }
    if (hugoOk) {
      fs.rmSync(path.join(hugoDir, 'public'), { recursive: true, force: true });
      fs.rmSync(path.join(hugoDir, 'resources'), { recursive: true, force: true });
      try {
        hugoRuns.push(timed(hugo, ['--quiet'], { cwd: hugoDir }));
      } catch (e) {
        log(`  Hugo      failed or missing: ${String(e).split('\n')[0]}`);
        hugoOk = false;
      }
    }
  }
  const cpuOf = (list: Run[]) => {
    const values = list.map((x) => x.cpuMs).filter((x): x is number => x !== null);
    return values.length > 0 ? median(values) : null;
  };
  const cpuNote = (list: Run[]) => {
    const cpu = cpuOf(list);
    return cpu === null ? '' : `, CPU ${round(cpu, 0)} ms`;
  };
  const bdsMs = median(cold.map((c) => c.ms));
  const bdsCpuMs = cpuOf(cold);
  const bdsBuildMs = median(cold.map((c) => c.buildMs));
  const bdsWarmCliMs = median(again);
  const bdsOneEditCliMs = median(oneEdit);
  const rssOf = (list: Run[]) => {
    const values = list.map((x) => x.rssMb).filter((x): x is number => x !== null);
    return values.length > 0 ? Math.max(...values) : null;
  };
  const rssNote = (list: Run[]) => {
    const rss = rssOf(list);
    return rss === null ? '' : `, peak RSS ${round(rss, 0)} MB`;
  };
  const bdsFiles = countFiles(path.join(bdsDir, 'html'));
  log(
    `  bds       cold \`bds build\` ${round(bdsMs, 0)} ms${cpuNote(cold)}${rssNote(cold)} (runs ${spread(cold.map((c) => c.ms))}; of which buildSite ${round(bdsBuildMs, 0)} ms, the rest node start and the index); ${bdsFiles} files`,
  );
  log(
    `  bds       \`bds build\` again, nothing changed: ${round(bdsWarmCliMs, 0)} ms (runs ${spread(again)}); after editing one post: ${round(bdsOneEditCliMs, 0)} ms (runs ${spread(oneEdit)})`,
  );
  const eleventyMs = eleventyRuns.length > 0 ? median(eleventyRuns.map((x) => x.ms)) : null;
  const eleventyCpuMs = cpuOf(eleventyRuns);
  const eleventyFiles = eleventyCmd ? countFiles(path.join(eleventyDir, '_site')) : 0;
  if (eleventyMs !== null) {
    log(
      `  Eleventy  ${round(eleventyMs, 0)} ms${cpuNote(eleventyRuns)}${rssNote(eleventyRuns)} (runs ${spread(eleventyRuns.map((x) => x.ms))}; ${eleventyFiles} files)`,
    );
  }
  const hugoMs = hugoOk && hugoRuns.length > 0 ? median(hugoRuns.map((x) => x.ms)) : null;
  const hugoCpuMs = cpuOf(hugoRuns);
  const hugoFiles = hugoMs !== null ? countFiles(path.join(hugoDir, 'public')) : 0;
  const hugoPages = hugoMs !== null ? hugoFiles - countAliases(path.join(hugoDir, 'public')) : 0;
  if (hugoMs !== null) {
    log(
      `  Hugo      ${round(hugoMs, 0)} ms${cpuNote(hugoRuns)}${rssNote(hugoRuns)} on all cores (runs ${spread(hugoRuns.map((x) => x.ms))}; ${hugoFiles} files, of which ${hugoFiles - hugoPages} are the redirects Hugo writes at …/page/1/)`,
    );
  }

  // bds, warm incremental: in one process (as the app server keeps it), after editing one post.
  const ws = dist.Workspace.open(bdsDir, { home });
  const incremental: number[] = [];
  const incrementalWritten: number[] = [];
  let firstInProcessMs: number;
  try {
    firstInProcessMs = (await dist.buildSite(ws, { resolver: null })).ms;
    const all = await ws.call('posts.list', {});
    for (let e = 0; e < edits; e++) {
      const target = all[Math.floor(((e + 0.5) * all.length) / edits)]!;
      fs.appendFileSync(path.join(bdsDir, target.path), `\nOne more sentence, edit ${e} of the benchmark.\n`);
      ws.applyExternalChange(target.path);
      const edited = await dist.buildSite(ws, { resolver: null });
      if (edited.postsRendered !== 1)
        throw new Error(`an edit re-rendered ${edited.postsRendered} posts, not 1`);
      incremental.push(edited.ms);
      incrementalWritten.push(edited.pagesWritten);
    }
  } finally {
    await ws.close();
  }
  const incrementalMs = median(incremental);
  const sortedIncremental = [...incremental].sort((a, b) => a - b);
  log(
    `  bds       incremental after editing one post: median ${round(incrementalMs, 1)} ms, p90 ${round(percentile(sortedIncremental, 90), 1)} ms over ${edits} edits (${round(median(incrementalWritten), 0)} files written; the first in-process build, caches from disk: ${round(firstInProcessMs, 0)} ms)`,
  );

  let macroOverheadMs: number | null = null;
  let macroRunsMs: number[] = [];
  let macroNote = 'skipped (--skip-macro)';
  if (!args.has('skip-macro')) {
    const r = await macroOverhead(dist, path.join(base, 'bds-macro'), posts);
    macroOverheadMs = r.ms;
    macroRunsMs = r.runsMs;
    macroNote = r.note;
    log(
      `  macros    one Python macro in every post adds ${r.ms === null ? 'n/a' : `${round(r.ms, 0)} ms`} (${r.note})`,
    );
  }

  const ratio = (a: number | null, b: number | null) =>
    a !== null && b !== null && b > 0 ? round(a / b, 2) : null;
  const result = {
    posts: count,
    runs,
    bdsMs: round(bdsMs, 0),
    bdsCpuMs: bdsCpuMs === null ? null : round(bdsCpuMs, 0),
    bdsBuildMs: round(bdsBuildMs, 0),
    bdsWarmCliMs: round(bdsWarmCliMs, 0),
    bdsOneEditCliMs: round(bdsOneEditCliMs, 0),
    peakRssMb: { bds: rssOf(cold), eleventy: rssOf(eleventyRuns), hugo: rssOf(hugoRuns) },
    eleventyMs: eleventyMs === null ? null : round(eleventyMs, 0),
    eleventyCpuMs: eleventyCpuMs === null ? null : round(eleventyCpuMs, 0),
    hugoMs: hugoMs === null ? null : round(hugoMs, 0),
    hugoCpuMs: hugoCpuMs === null ? null : round(hugoCpuMs, 0),
    loadAverage: os.loadavg().map((l) => round(l, 1)),
    incrementalMs: round(incrementalMs, 1),
    incrementalRunsMs: incremental.map((v) => round(v, 1)),
    incrementalFilesWritten: round(median(incrementalWritten), 0),
    macroOverheadMs: macroOverheadMs === null ? null : round(macroOverheadMs, 0),
    macroRunsMs: macroRunsMs.map((v) => round(v, 0)),
    macroNote,
    files: { bds: bdsFiles, eleventy: eleventyFiles, hugo: hugoFiles, hugoWithoutRedirects: hugoPages },
    ratios: {
      bdsToEleventy: ratio(bdsMs, eleventyMs),
      bdsToHugo: ratio(bdsMs, hugoMs),
      cpuBdsToEleventy: ratio(bdsCpuMs, eleventyCpuMs),
    },
    goals: {
      // At 4,000 posts and fewer: no slower than Hugo; above: within 1.5x Hugo.
      hugoRatio: hugoMs === null ? null : bdsMs <= hugoMs * (count <= 4000 ? 1 : 1.5),
      peakRssUnder1_5GB: rssOf(cold) === null ? null : rssOf(cold)! <= 1536,
      noChangeCliUnder1s: bdsWarmCliMs <= 1000,
      oneEditCliUnder1s: bdsOneEditCliMs <= 1000,
      incrementalUnder100ms: incrementalMs <= 100,
      macroOverheadUnder500ms: macroOverheadMs === null ? null : macroOverheadMs <= 500,
    },
  };
  log(
    `  ratios    bds/Eleventy ${result.ratios.bdsToEleventy ?? 'n/a'} (CPU time ${result.ratios.cpuBdsToEleventy ?? 'n/a'}), bds/Hugo ${result.ratios.bdsToHugo ?? 'n/a'} (goal ≤ ${count <= 4000 ? '1.0' : '1.5'}); goals ${JSON.stringify(result.goals)}; load average ${result.loadAverage.join(' ')}`,
  );
  if (json) console.log(JSON.stringify(result));
} finally {
  cleanUp();
}
