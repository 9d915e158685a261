// bench:server — a real `bds serve` process over a project of N posts (default 4000), loaded by autocannon
// from this process: requests/s, p50 and p99 for the post list, a post read, a search and a preview page
// with a Python macro, then post saves while reads run. Errors and non-2xx answers are counted (goal 0).
// `--json` prints one JSON object as the last line. Options: --posts N --connections C --duration S.
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Workspace } from '../src/app/workspace.js';
import { initProject } from '../src/content/project.js';
import { benchArgs, percentile, round } from './args.js';
import { generateCorpus, writeBdsPosts } from './corpus.js';

const args = benchArgs();
const count = Number(args.get('posts', '4000'));
const connections = Number(args.get('connections', '50'));
const duration = Number(args.get('duration', '8'));
const asJson = args.has('json');

const MACRO = `def render(context, post):
    return "<p class='stamp'>" + context["params"].get("text", "") + " / " + (post["title"] if post else "") + "</p>"
`;

interface Scenario {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  errors: number;
  non2xx: number;
  goal?: string;
}

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bds-bench-server-'));
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'bds-bench-home-'));
const log = (s: string) => {
  if (!asJson) process.stderr.write(`${s}\n`);
};

async function setup(): Promise<{ macroPostUrl: string }> {
  initProject(root, { name: 'Bench' });
  writeBdsPosts(root, generateCorpus(count));
  const ws = Workspace.open(root, { home });
  try {
    await ws.call('scripts.create', {
      title: 'Stamp',
      slug: 'stamp',
      kind: 'macro',
      code: MACRO,
      enabled: true,
    });
    const post = await ws.call('posts.create', {
      title: 'With a macro',
      body: 'Before.\n\n[[stamp text="hello"]]\n\nAfter.\n',
      publish: true,
    });
    return { macroPostUrl: `${post.dateKey.replaceAll('-', '/')}/${post.slug}/` };
  } finally {
    await ws.close();
  }
}

function startServer(): Promise<{ url: string; token: string; previewUrl: string; stop(): Promise<void> }> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      path.resolve('src/cli/main.ts'),
      '--project',
      root,
      '--json',
      'serve',
      '--port',
      '0',
      '--no-open',
    ],
    { env: { ...process.env, BDS_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!/^\}$/m.test(out)) return;
      const printed = JSON.parse(out) as { url: string; previewUrl: string };
      const u = new URL(printed.url);
      const token = u.searchParams.get('token')!;
      resolve({
        url: `${u.origin}/`,
        token,
        previewUrl: printed.previewUrl,
        stop: () =>
          new Promise<void>((done) => {
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    });
    child.once('exit', (code) => reject(new Error(`bds serve exited (${code}): ${err}`)));
  });
}

async function load(
  name: string,
  base: string,
  token: string | undefined,
  paths: () => string,
  goal?: string,
): Promise<Scenario> {
  const result = await autocannon({
    url: base,
    connections,
    duration,
    headers: token ? { authorization: `Bearer ${token}` } : {},
    requests: [{ setupRequest: (req) => ({ ...req, path: paths() }) }],
  });
  const s: Scenario = {
    name,
    rps: round(result.requests.average, 0),
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    ...(goal ? { goal } : {}),
  };
  log(`  ${name}: ${s.rps} req/s, p50 ${s.p50} ms, p99 ${s.p99} ms, errors ${s.errors}, non-2xx ${s.non2xx}`);
  return s;
}

const QUERIES = ['lake', 'mountain river', 'coffee', 'train', 'harbour light', 'python', 'winter garden'];
let n = 0;
const pick = <T>(list: readonly T[]): T => list[n++ % list.length]!;

const t0 = performance.now();
const { macroPostUrl } = await setup();
log(
  `bench:server: ${count} posts, ${connections} connections, ${duration} s per scenario (setup ${Math.round(performance.now() - t0)} ms)`,
);
const server = await startServer();
try {
  const api = server.url;
  // Warm: the search index, the preview's first render, the Python runtime.
  await fetch(`${api}api/search?query=lake`, { headers: { authorization: `Bearer ${server.token}` } });
  const warm = await fetch(new URL(macroPostUrl, server.previewUrl));
  const warmHtml = await warm.text();
  if (!warmHtml.includes("class='stamp'") && !warmHtml.includes('class="stamp"'))
    throw new Error('the preview page did not render the Python macro');

  const scenarios: Scenario[] = [];
  scenarios.push(
    await load('post list (newest 100)', api, server.token, () => '/api/posts?limit=100', 'p99 < 50 ms'),
  );
  scenarios.push(await load(`post list (all ${count + 1})`, api, server.token, () => '/api/posts'));
  scenarios.push(await load('post read', api, server.token, () => `/api/posts/post-${n++ % count}`));
  scenarios.push(
    await load(
      'search',
      api,
      server.token,
      () => `/api/search?query=${encodeURIComponent(pick(QUERIES))}&limit=20`,
    ),
  );
  scenarios.push(
    await load('preview page with a Python macro', server.previewUrl, undefined, () => `/${macroPostUrl}`),
  );

  // Saves while reads run: one writer saving a post as a user types (every 100 ms), reads at full load.
  const saveTimes: number[] = [];
  let saveErrors = 0;
  let saving = true;
  const saver = (async () => {
    let i = 0;
    while (saving) {
      const t = performance.now();
      const res = await fetch(`${api}api/posts/post-7`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ body: `Edited ${i++} times.\n\n[[stamp text="x"]]\n` }),
      });
      await res.text();
      if (!res.ok) saveErrors++;
      saveTimes.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  const mixed = await load('reads while saving (list, read, search)', api, server.token, () =>
    pick([
      '/api/posts?limit=100',
      `/api/posts/post-${n % count}`,
      `/api/search?query=${encodeURIComponent(pick(QUERIES))}&limit=20`,
    ]),
  );
  saving = false;
  await saver;
  scenarios.push(mixed);
  const sorted = [...saveTimes].sort((a, b) => a - b);
  const saves = {
    name: 'post save during reads',
    count: saveTimes.length,
    p50: round(percentile(sorted, 50), 1),
    p99: round(percentile(sorted, 99), 1),
    errors: saveErrors,
  };
  log(
    `  ${saves.name}: ${saves.count} saves, p50 ${saves.p50} ms, p99 ${saves.p99} ms, errors ${saves.errors}`,
  );

  const errors = scenarios.reduce((a, s) => a + s.errors + s.non2xx, 0) + saveErrors;
  const list = scenarios[0]!;
  const summary = {
    posts: count,
    connections,
    durationS: duration,
    scenarios,
    saves,
    errors,
    goals: { listP99Under50ms: list.p99 < 50, zeroErrors: errors === 0 },
  };
  log(
    `goals: post list p99 ${list.p99} ms (< 50: ${summary.goals.listP99Under50ms ? 'met' : 'NOT met'}); errors ${errors} (0: ${summary.goals.zeroErrors ? 'met' : 'NOT met'})`,
  );
  console.log(asJson ? JSON.stringify(summary) : JSON.stringify(summary, null, 2));
} finally {
  await server.stop();
  fs.rmSync(root, { recursive: true, force: true });
  fs.rmSync(home, { recursive: true, force: true });
}
