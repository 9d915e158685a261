// bench:site — one generated corpus built side by side with bds, Eleventy and Hugo in the same run
// (same Markdown, equivalent pages: posts, a paginated home page, tag, category, year, month and day
// lists, a feed, a sitemap, a 404 page), then a warm incremental bds rebuild after editing one post, and
// the extra time when every post holds one Python macro.
// Flags: --posts N (default 4000), --dir DIR (where the sites go; default /dev/shm when it exists, to keep
// disk noise out of the comparison), --no-compile (use dist/ as it is), --skip-eleventy, --skip-hugo,
// --skip-macro, --json (the last line is one JSON object).
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSite } from '../src/app/site.js';
import { Workspace } from '../src/app/workspace.js';
import { initProject, updateProjectSettings } from '../src/content/project.js';
import { benchArgs, round } from './args.js';
import { generateCorpus, writeBdsPosts, type CorpusPost } from './corpus.js';

const args = benchArgs();
const count = Number(args.get('posts', '4000'));
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

function timed(cmd: string, argv: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): number {
  const t = performance.now();
  const r = spawnSync(cmd, argv, {
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
  return ms;
}

function countFiles(dir: string): number {
  let n = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) n++;
  return n;
}

const iso = (d: Date) => d.toISOString().replace('.000Z', 'Z');

// ------------------------------------------------------------------ bds

function buildDist(): void {
  if (args.has('no-compile') && fs.existsSync(path.join(REPO, 'dist', 'cli', 'main.js'))) return;
  log('compiling bds (npm run build, not timed)...');
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] });
}

function makeBdsProject(dir: string, posts: CorpusPost[]): void {
  const project = initProject(dir, { name: 'Bench' });
  updateProjectSettings(project, { publicUrl: 'https://example.org', maxPostsPerPage: PER_PAGE });
  writeBdsPosts(dir, posts);
}

function bdsCli(dir: string, extra: string[] = []): number {
  return timed(
    process.execPath,
    [path.join(REPO, 'dist', 'cli', 'main.js'), '--project', dir, '--json', 'build', ...extra],
    {
      env: { BDS_HOME: home },
    },
  );
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
    for (const [k, l] of group((p) => [p.data.category])) add(k, '/category/' + encodeURIComponent(k) + '/', l);
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
      `---\ntitle: ${JSON.stringify(p.title)}\ndate: ${d}\nslug: ${p.slug}\ntags: ${JSON.stringify(p.tags)}\ncategories: ${JSON.stringify([p.category])}\nyears: ["${d.slice(0, 4)}"]\nmonths: ["${d.slice(0, 7)}"]\ndays: ["${d.slice(0, 10)}"]\n---\n${p.body}`,
    );
  }
}

// ------------------------------------------------------------------ macro overhead

const MACRO_CODE = `def render(context, post):
    return '<span class="bench">' + str(context["params"].get("n", 0)) + '</span>'
`;

/** In-process cold builds (caches ignored) of the same posts without and with one Python macro each. */
async function macroOverhead(dir: string, posts: CorpusPost[]): Promise<{ ms: number | null; note: string }> {
  let scripting: { createPythonRuntime?: unknown };
  try {
    scripting = (await import('../src/scripting/index.js')) as { createPythonRuntime?: unknown };
  } catch (e) {
    return { ms: null, note: `the Python runtime could not be loaded: ${String(e)}` };
  }
  if (typeof scripting.createPythonRuntime !== 'function') {
    return { ms: null, note: 'src/scripting does not export createPythonRuntime yet' };
  }
  makeBdsProject(dir, posts);
  const ws = Workspace.open(dir, { home });
  try {
    const script = ws.createScript({ title: 'bench macro', kind: 'macro', code: MACRO_CODE, enabled: true });
    ws.trustScript(script.slug);
    const out = path.join(dir, 'out');
    const without = await buildSite(ws, { force: true, outDir: out });
    // Warm the runtime pool (its start is a one-time cost of the process, reported apart).
    const resolver = ws.macroResolver();
    const t0 = performance.now();
    for (const p of ws.listPosts({ limit: 4 })) {
      await resolver.render({
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
    }
    const startMs = performance.now() - t0;
    for (const p of ws.listPosts()) {
      const abs = path.join(dir, p.path);
      fs.appendFileSync(abs, `\n[[${script.slug} n=1]]\n`);
      ws.applyExternalChange(p.path);
    }
    const withMacro = await buildSite(ws, { force: true, outDir: out });
    if (withMacro.macroCounters.python !== posts.length || withMacro.failures.length > 0) {
      return {
        ms: null,
        note: `macros did not all run: ${JSON.stringify(withMacro.macroCounters)} ${withMacro.failures[0]?.message ?? ''}`,
      };
    }
    return {
      ms: withMacro.ms - without.ms,
      note: `${posts.length} Python macro calls; build ${round(without.ms, 0)} ms → ${round(withMacro.ms, 0)} ms; runtime start and first calls ${round(startMs, 0)} ms (not counted)`,
    };
  } finally {
    await ws.close();
  }
}

// ------------------------------------------------------------------ run

try {
  const posts = generateCorpus(count);
  log(`bds site benchmark: ${count} posts, sites under ${base}`);
  buildDist();

  // bds, cold: a fresh project (no .bds, no html/) built by the CLI, index included.
  const bdsDir = path.join(base, 'bds');
  makeBdsProject(bdsDir, posts);
  const bdsMs = bdsCli(bdsDir);
  const bdsFiles = countFiles(path.join(bdsDir, 'html'));
  const bdsWarmCliMs = bdsCli(bdsDir);
  log(
    `  bds       cold ${round(bdsMs, 0)} ms (${bdsFiles} files; a second CLI run with nothing changed: ${round(bdsWarmCliMs, 0)} ms)`,
  );

  // bds, warm incremental: in one process (as the app server keeps it), after editing one post.
  const ws = Workspace.open(bdsDir, { home });
  let incrementalMs: number;
  let incrementalWritten: number;
  try {
    const first = await buildSite(ws, { resolver: null });
    const target = ws.listPosts({ limit: 1, offset: Math.floor(count / 2) })[0]!;
    fs.appendFileSync(path.join(bdsDir, target.path), '\nOne more sentence, edited for the benchmark.\n');
    ws.applyExternalChange(target.path);
    const edited = await buildSite(ws, { resolver: null });
    incrementalMs = edited.ms;
    incrementalWritten = edited.pagesWritten;
    log(
      `  bds       incremental after editing one post: ${round(incrementalMs, 1)} ms (${incrementalWritten} files written; the first in-process build, caches from disk: ${round(first.ms, 0)} ms, ${first.pagesWritten} written)`,
    );
  } finally {
    await ws.close();
  }

  let eleventyMs: number | null = null;
  let eleventyFiles = 0;
  if (!args.has('skip-eleventy')) {
    const cmd = ensureEleventy();
    if (cmd) {
      const dir = path.join(base, 'eleventy');
      makeEleventySite(dir, posts);
      eleventyMs = timed(process.execPath, [cmd, '--quiet'], { cwd: dir });
      eleventyFiles = countFiles(path.join(dir, '_site'));
      log(`  Eleventy  ${round(eleventyMs, 0)} ms (${eleventyFiles} files)`);
    } else log('  Eleventy  could not be installed; skipped');
  }

  let hugoMs: number | null = null;
  let hugoFiles = 0;
  if (!args.has('skip-hugo')) {
    const hugo = fs.existsSync('/usr/bin/hugo') ? '/usr/bin/hugo' : 'hugo';
    const dir = path.join(base, 'hugo');
    makeHugoSite(dir, posts);
    try {
      hugoMs = timed(hugo, ['--quiet'], { cwd: dir });
      hugoFiles = countFiles(path.join(dir, 'public'));
      log(`  Hugo      ${round(hugoMs, 0)} ms (${hugoFiles} files)`);
    } catch (e) {
      log(`  Hugo      failed or missing: ${String(e).split('\n')[0]}`);
    }
  }

  let macroOverheadMs: number | null = null;
  let macroNote = 'skipped (--skip-macro)';
  if (!args.has('skip-macro')) {
    const r = await macroOverhead(path.join(base, 'bds-macro'), posts);
    macroOverheadMs = r.ms;
    macroNote = r.note;
    log(
      `  macros    one Python macro in every post adds ${r.ms === null ? 'n/a' : `${round(r.ms, 0)} ms`} (${r.note})`,
    );
  }

  const ratio = (a: number | null, b: number | null) =>
    a !== null && b !== null && b > 0 ? round(a / b, 2) : null;
  const result = {
    posts: count,
    dir: base,
    bdsMs: round(bdsMs, 0),
    bdsWarmCliMs: round(bdsWarmCliMs, 0),
    eleventyMs: eleventyMs === null ? null : round(eleventyMs, 0),
    hugoMs: hugoMs === null ? null : round(hugoMs, 0),
    incrementalMs: round(incrementalMs, 1),
    incrementalFilesWritten: incrementalWritten,
    macroOverheadMs: macroOverheadMs === null ? null : round(macroOverheadMs, 0),
    macroNote,
    files: { bds: bdsFiles, eleventy: eleventyFiles, hugo: hugoFiles },
    ratios: { bdsToEleventy: ratio(bdsMs, eleventyMs), bdsToHugo: ratio(bdsMs, hugoMs) },
    goals: {
      halfOfEleventy: eleventyMs === null ? null : bdsMs <= eleventyMs / 2,
      within1_5xHugo: hugoMs === null ? null : bdsMs <= hugoMs * 1.5,
      incrementalUnder50ms: incrementalMs <= 50,
      macroOverheadUnder1s: macroOverheadMs === null ? null : macroOverheadMs <= 1000,
    },
  };
  log(
    `  ratios    bds/Eleventy ${result.ratios.bdsToEleventy ?? 'n/a'} (goal ≤ 0.5), bds/Hugo ${result.ratios.bdsToHugo ?? 'n/a'} (goal ≤ 1.5)`,
  );
  if (json) console.log(JSON.stringify(result));
} finally {
  fs.rmSync(base, { recursive: true, force: true });
  fs.rmSync(home, { recursive: true, force: true });
}
