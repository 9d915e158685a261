// One writer of bench:writers (and of the several-writers test): a long-lived process that opens the
// project once, as the app server does, and calls the use cases `bds` calls, one after the other, so
// its writes overlap with those of the other writer processes hundreds of times a minute. After every
// operation it checks the files: a success must be on disk, a failure must have changed nothing.
// A `post-new` writer also keeps one real `bds --json post new` process running beside its loop: the
// user's path, start-up included.
//
//   tsx bench/writer-process.ts ROLE PROJECT HOME (--seconds N | --ops N) [--cli] [--tag NAME]
//
// ROLE: post-new | tag | post-edit | media. Prints one JSON line (WriterReport) at the end.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BdsError } from '../src/core/errors.js';
import { Workspace } from '../src/app/workspace.js';
import { benchArgs } from './args.js';

export type WriterRole = 'post-new' | 'tag' | 'post-edit' | 'media';

/** One failed operation, as the user would have seen it. */
export interface WriterFailure {
  op: string;
  code: string;
  message: string;
  hint?: string;
  /** The operation reported failure, but the files show it happened (in part or whole). */
  changed: boolean;
}

export interface WriterReport {
  role: WriterRole;
  ops: number;
  ok: number;
  /** Operations through a real `bds --json` process (counted in ops too). */
  cliOps: number;
  failures: WriterFailure[];
  /** Successes whose result the files do not hold right after (a lost update). */
  lost: string[];
  /** Milliseconds per operation, in-process and through `bds` apart. */
  latenciesMs: number[];
  cliLatenciesMs: number[];
  /** post-new: titles created with success, and titles whose creation failed. */
  created: string[];
  notCreated: string[];
  /** post-edit: the body of the last successful edit. */
  lastEdit?: string;
  /** media: successful imports. */
  imported: number;
}

export const EDITED_SLUG = 'edited';
export const SEED_TITLE = 'Tagged ';

const CLI = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../src/cli/main.ts');

/** Runs a writer loop until `until()` says stop. */
export async function runWriter(
  role: WriterRole,
  root: string,
  home: string,
  options: { until: (ops: number) => boolean; cli?: boolean; tag?: string; image?: string },
): Promise<WriterReport> {
  const report: WriterReport = {
    role,
    ops: 0,
    ok: 0,
    cliOps: 0,
    failures: [],
    lost: [],
    latenciesMs: [],
    cliLatenciesMs: [],
    created: [],
    notCreated: [],
    imported: 0,
  };
  const tag = options.tag ?? role;
  const ws = await openPatiently(root, home);

  /** Runs one operation; `changed` tells, after a failure, whether the files changed anyway. */
  async function attempt(
    op: string,
    run: () => Promise<void>,
    changed: () => boolean,
    cli = false,
  ): Promise<boolean> {
    const t = performance.now();
    report.ops++;
    if (cli) report.cliOps++;
    const latencies = cli ? report.cliLatenciesMs : report.latenciesMs;
    try {
      await run();
      latencies.push(performance.now() - t);
      report.ok++;
      return true;
    } catch (e) {
      latencies.push(performance.now() - t);
      report.failures.push({ op, ...describe(e), changed: changed() });
      return false;
    }
  }

  const postFile = (slug: string) => findPostFile(root, slug);

  async function postNew(i: number, cli: boolean): Promise<void> {
    const title = `Writer ${cli ? 'cli' : tag} ${i}`;
    const slug = `writer-${cli ? 'cli' : tag}-${i}`;
    const ok = await attempt(
      `post new ${slug}`,
      async () => {
        if (cli)
          await bdsCli(root, home, [
            'post',
            'new',
            '--title',
            title,
            '--slug',
            slug,
            '--body',
            `Body ${i}.`,
            '--tag',
            'writer',
          ]);
        else await ws.call('posts.create', { title, slug, body: `Body ${i}.\n`, tags: ['writer'] });
      },
      () => postFile(slug) !== undefined,
      cli,
    );
    (ok ? report.created : report.notCreated).push(title);
    if (ok) {
      const file = postFile(slug);
      if (!file || !fs.readFileSync(file, 'utf8').includes(title)) report.lost.push(`post new ${slug}`);
    }
  }

  async function cliLane(): Promise<void> {
    for (let i = 0; !options.until(report.ops); i++) await postNew(i, true);
  }

  const lanes: Promise<void>[] = [];
  if (role === 'post-new' && options.cli) lanes.push(cliLane());

  if (role === 'post-new') {
    for (let i = 0; !options.until(report.ops); i++) {
      await postNew(i, false);
      // A read between writes, as an open app does: the list must hold what this process created.
      if (i % 10 === 9) {
        const listed = await ws.call('posts.list', { tag: 'writer' });
        if (
          !listed.some((p) => p.slug === `writer-${tag}-${i}`) &&
          report.created.includes(`Writer ${tag} ${i}`)
        )
          report.lost.push(`posts.list misses writer-${tag}-${i}`);
      }
    }
  } else if (role === 'tag') {
    // red → blue by rename, blue → red by merge; a failed step is tried again.
    let toBlue = seedTags(root).red > 0;
    while (!options.until(report.ops)) {
      const [from, to] = toBlue ? (['red', 'blue'] as const) : (['blue', 'red'] as const);
      const ok = await attempt(
        toBlue ? 'tag rename red blue' : 'tag merge red blue',
        async () => {
          if (toBlue) await ws.call('tags.rename', { name: from, newName: to });
          else await ws.call('tags.merge', { sources: [from], target: to });
        },
        () => seedTags(root)[to] > 0,
      );
      const t = seedTags(root);
      if (ok) {
        if (t[to] !== 6 || t[from] !== 0)
          report.lost.push(`tag ${from} → ${to}: files hold ${JSON.stringify(t)}`);
        toBlue = !toBlue;
      } else toBlue = t.red > 0; // carry on from what the files say
    }
  } else if (role === 'post-edit') {
    const file = postFile(EDITED_SLUG);
    if (!file) throw new Error(`no post ${EDITED_SLUG}`);
    for (let i = 0; !options.until(report.ops); i++) {
      const body = `edit ${i}`;
      const holds = () => fs.readFileSync(file, 'utf8').endsWith(`\n${body}\n`);
      const ok = await attempt(
        `post edit ${EDITED_SLUG}`,
        async () => {
          await ws.call('posts.update', { ref: EDITED_SLUG, body: `${body}\n` });
        },
        holds,
      );
      if (ok) {
        report.lastEdit = body;
        if (!holds()) report.lost.push(`post edit ${body}`);
        if (i % 10 === 9 && (await ws.call('posts.get', { ref: EDITED_SLUG })).body !== `${body}\n`)
          report.lost.push(`posts.get misses ${body}`);
      }
    }
  } else if (role === 'media') {
    const image = options.image;
    if (!image) throw new Error('media writer needs --image');
    while (!options.until(report.ops)) {
      const before = mediaFiles(root);
      let record: { path: string } | undefined;
      const ok = await attempt(
        'media import',
        async () => {
          const { results } = await ws.call('media.import', { files: [image], title: 'Bench image' });
          const r = results[0];
          if (!r?.record) throw new BdsError('media-import', r?.error ?? 'no result');
          record = r.record;
        },
        () => mediaFiles(root) > before,
      );
      if (ok) {
        report.imported++;
        if (!record || !fs.existsSync(path.join(root, record.path)))
          report.lost.push(`media import ${record?.path}`);
      }
    }
  }
  await Promise.all(lanes);
  await ws.close();
  return report;
}

/** The writer's own start is not one of its operations: with a short lock timeout, it tries again. */
async function openPatiently(root: string, home: string): Promise<Workspace> {
  for (let tries = 1; ; tries++) {
    try {
      return Workspace.open(root, { home });
    } catch (e) {
      if (!(e instanceof BdsError && e.code === 'project-busy') || tries >= 100) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

function describe(e: unknown): { code: string; message: string; hint?: string } {
  if (e instanceof BdsError) return { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) };
  if (e instanceof CliFailure) return e.error;
  const err = e as { code?: unknown; message?: unknown };
  return {
    code: typeof err?.code === 'string' ? `thrown:${err.code}` : 'thrown',
    message: String(err?.message ?? e),
  };
}

class CliFailure extends Error {
  constructor(readonly error: { code: string; message: string; hint?: string }) {
    super(error.message);
  }
}

/** One real `bds --json` process; rejects with the error it printed. */
function bdsCli(root: string, home: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, '--project', root, '--json', ...args], {
      env: { ...process.env, BDS_HOME: home },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stdout.resume();
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) return resolve();
      let error: { code: string; message: string; hint?: string } | undefined;
      for (const line of stderr.split('\n')) {
        if (!line.startsWith('{')) continue;
        try {
          error = (JSON.parse(line) as { error?: typeof error }).error ?? error;
        } catch {
          /* not JSON */
        }
      }
      reject(
        new CliFailure(
          error ?? { code: 'unparsed', message: `exit ${code}: ${stderr.trim().slice(0, 300)}` },
        ),
      );
    });
  });
}

/** posts/YYYY/MM/SLUG.md, wherever its date put it. */
export function findPostFile(root: string, slug: string): string | undefined {
  const posts = path.join(root, 'posts');
  for (const y of safeReaddir(posts))
    for (const m of safeReaddir(path.join(posts, y))) {
      const f = path.join(posts, y, m, `${slug}.md`);
      if (fs.existsSync(f)) return f;
    }
  return undefined;
}

function safeReaddir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

/** Tags of the seeded posts, read from the files (not the index). */
export function seedTags(root: string): { red: number; blue: number } {
  let red = 0;
  let blue = 0;
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.startsWith('tagged-') && p.endsWith('.md')) {
        const front = fs.readFileSync(p, 'utf8').split(/^---$/m)[1] ?? '';
        if (/\bred\b/.test(front)) red++;
        if (/\bblue\b/.test(front)) blue++;
      }
    }
  };
  walk(path.join(root, 'posts'));
  return { red, blue };
}

/** Media files (not sidecars, not temp files) under media/. */
export function mediaFiles(root: string): number {
  let n = 0;
  const walk = (dir: string) => {
    for (const e of safeReaddir(dir)) {
      const p = path.join(dir, e);
      if (fs.statSync(p, { throwIfNoEntry: false })?.isDirectory()) walk(p);
      else if (/\.(png|jpe?g|webp|gif)$/i.test(e) && !e.startsWith('.')) n++;
    }
  };
  walk(path.join(root, 'media'));
  return n;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  const [role, root, home] = process.argv.slice(2) as [WriterRole, string, string];
  const args = benchArgs(process.argv.slice(5));
  const seconds = Number(args.get('seconds', '0'));
  const ops = Number(args.get('ops', '0'));
  const deadline = performance.now() + seconds * 1000;
  const image = args.get('image', '');
  const report = await runWriter(role, root, home, {
    until: (n) => (ops > 0 ? n >= ops : performance.now() >= deadline),
    cli: args.has('cli'),
    tag: args.get('tag', role),
    ...(image ? { image } : {}),
  });
  process.stdout.write(`${JSON.stringify(report)}\n`);
}
