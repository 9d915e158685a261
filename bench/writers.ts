// bench:writers — issue 19 item 2: four writer loops and a `bds preview` on one project for N seconds
// (default 120). Each command is a separate `bds --json` process (as a user in four terminals would run
// them): (1) `post new`, (2) `tag rename` / `tag merge` back and forth on a tag six posts carry,
// (3) `post edit` of one draft's body, (4) `media import` of a small image. Counted per writer: runs,
// successes, failures by error code, `database is locked`, `internal`, ENOENT, `project-busy` (with or
// without a hint), and failures that changed a file anyway. Verified afterwards: no failed `post new`
// created its post, `bds problems` is empty, the index equals a rebuild, posts created = successful
// `post new` (no lost update, no duplicate), the edited post holds the last successful edit, and the
// media on disk = the imports that succeeded. Goal: every count of trouble is 0.
// `--json` prints one JSON object as the last line; otherwise a summary goes to stderr.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { OutputOf } from '../src/app/index.js';
import { Workspace } from '../src/app/workspace.js';
import { initProject } from '../src/content/project.js';
import { benchArgs, round } from './args.js';

const args = benchArgs();
const seconds = Number(args.get('seconds', '120'));
const asJson = args.has('json');
const log = (s: string) => {
  if (!asJson) process.stderr.write(`${s}\n`);
};

const root = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bds-bench-writers-')), 'blog');
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'bds-bench-home-'));
const image = path.join(path.dirname(root), 'small.png');
const CLI = path.resolve('src/cli/main.ts');
const env = { ...process.env, BDS_HOME: home };

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function bds(cliArgs: string[]): Promise<Run> {
  const t = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, '--project', root, '--json', ...cliArgs], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr, ms: performance.now() - t }));
  });
}

interface Stats {
  writer: string;
  runs: number;
  ok: number;
  failed: number;
  byCode: Record<string, number>;
  databaseLocked: number;
  internal: number;
  enoent: number;
  projectBusy: number;
  projectBusyWithoutHint: number;
  failedButChanged: number;
  examples: string[];
  meanMs: number;
}

function newStats(writer: string): Stats {
  return {
    writer,
    runs: 0,
    ok: 0,
    failed: 0,
    byCode: {},
    databaseLocked: 0,
    internal: 0,
    enoent: 0,
    projectBusy: 0,
    projectBusyWithoutHint: 0,
    failedButChanged: 0,
    examples: [],
    meanMs: 0,
  };
}

interface ErrorInfo {
  code: string;
  message: string;
  hint?: string;
}

/** The errors a failed run reports: the JSON error on stderr, or per-file errors on stdout (media import). */
function errorsOf(r: Run): ErrorInfo[] {
  const found: ErrorInfo[] = [];
  for (const line of r.stderr.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const e = (JSON.parse(line) as { error?: ErrorInfo }).error;
      if (e) found.push(e);
    } catch {
      /* not JSON */
    }
  }
  try {
    const out = JSON.parse(r.stdout) as unknown;
    if (Array.isArray(out))
      for (const item of out as { error?: string; code?: string }[])
        if (item.error) found.push({ code: item.code ?? 'unknown', message: item.error });
  } catch {
    /* not JSON */
  }
  if (found.length === 0) found.push({ code: 'unparsed', message: r.stderr.trim().slice(0, 300) });
  return found;
}

/** Counts one run; `changed` says whether a failed run changed a file anyway. */
function count(s: Stats, r: Run, changed = false): boolean {
  s.runs++;
  s.meanMs += (r.ms - s.meanMs) / s.runs;
  if (r.code === 0) {
    s.ok++;
    return true;
  }
  s.failed++;
  const text = `${r.stderr}\n${r.stdout}`;
  for (const e of errorsOf(r)) {
    s.byCode[e.code] = (s.byCode[e.code] ?? 0) + 1;
    if (e.code === 'internal') s.internal++;
    if (e.code === 'project-busy') {
      s.projectBusy++;
      if (!e.hint) s.projectBusyWithoutHint++;
    }
    if (s.examples.length < 3) s.examples.push(`${e.code}: ${e.message.slice(0, 200)}`);
  }
  if (/database is locked/i.test(text)) s.databaseLocked++;
  if (/ENOENT/.test(text)) s.enoent++;
  if (changed) s.failedButChanged++;
  return false;
}

// ---- Setup: a project with a few posts, six of them tagged `red`, a draft to edit, one media image.
initProject(root, { name: 'Writers' });
await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 200, g: 80, b: 40 } } })
  .png()
  .toFile(image);
{
  const ws = Workspace.open(root, { home });
  try {
    await ws.call('posts.create', { title: 'Edited', slug: 'edited', body: 'start\n' });
    for (let i = 0; i < 6; i++)
      await ws.call('posts.create', { title: `Tagged ${i}`, tags: ['red', 'seed'], body: `Tagged ${i}.\n` });
    for (let i = 0; i < 4; i++) await ws.call('posts.create', { title: `Plain ${i}`, body: `Plain ${i}.\n` });
    await ws.call('media.import', { files: [image], title: 'Seed image' });
  } finally {
    await ws.close();
  }
}
const editedFile = path.join(root, (await postPath('edited'))!);

async function postPath(slug: string): Promise<string | undefined> {
  const ws = Workspace.open(root, { home });
  try {
    return (await ws.call('posts.get', { ref: slug })).path;
  } finally {
    await ws.close();
  }
}

/** Tags of the seeded posts, read from the files (not the index). */
function seedTags(): { red: number; blue: number } {
  let red = 0;
  let blue = 0;
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.md')) {
        const text = fs.readFileSync(p, 'utf8');
        if (!/^title: ['"]?Tagged /m.test(text)) continue;
        const front = text.split(/^---$/m)[1] ?? '';
        if (/\bred\b/.test(front)) red++;
        if (/\bblue\b/.test(front)) blue++;
      }
    }
  };
  walk(path.join(root, 'posts'));
  return { red, blue };
}

function mediaFilesOnDisk(): number {
  let n = 0;
  const walk = (dir: string) => {
    if (!fs.existsSync(dir)) return;
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(png|jpe?g|webp|gif)$/i.test(e.name) && !e.name.startsWith('.')) n++;
    }
  };
  walk(path.join(root, 'media'));
  return n;
}

// ---- The preview, in a process of its own, fetched once a second while the writers run.
const preview = spawn(
  process.execPath,
  ['--import', 'tsx', CLI, '--project', root, '--json', 'preview', '--port', '0'],
  {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  },
);
let previewErr = '';
preview.stderr.on('data', (d: Buffer) => (previewErr += d.toString()));
const previewUrl = await new Promise<string>((resolve, reject) => {
  let out = '';
  preview.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    if (/^\}$/m.test(out)) resolve((JSON.parse(out) as { url: string }).url);
  });
  preview.once('exit', (code) => reject(new Error(`bds preview exited (${code}): ${previewErr}`)));
});
const previewStats = { fetches: 0, ok: 0, failed: 0 };

log(`bench:writers: ${seconds} s, 4 writer processes at a time and a preview on ${previewUrl} (${root})`);

const deadline = performance.now() + seconds * 1000;
const running = () => performance.now() < deadline;

const newStatsW = newStats('post new');
const tagStats = newStats('tag rename/merge');
const editStats = newStats('post edit');
const mediaStats = newStats('media import');

const createdOk: string[] = [];
const createdFailed: string[] = [];
let lastEditOk: string | undefined;
let mediaImported = 0;

async function postNewLoop() {
  for (let i = 0; running(); i++) {
    const title = `Writer ${i}`;
    const r = await bds(['post', 'new', '--title', title, '--body', `Body ${i}.`, '--tag', 'writer']);
    if (count(newStatsW, r)) createdOk.push(title);
    else createdFailed.push(title); // whether it created the post anyway is checked at the end
  }
}

async function tagLoop() {
  // red → blue by rename, blue → red by merge; after a failure the same step is tried again.
  let toBlue = true;
  while (running()) {
    const r = await bds(toBlue ? ['tag', 'rename', 'red', 'blue'] : ['tag', 'merge', 'red', 'blue']);
    let changed = false;
    if (r.code !== 0) {
      const t = seedTags();
      changed = toBlue ? t.blue > 0 : t.red > 0;
    }
    if (count(tagStats, r, changed)) toBlue = !toBlue;
    else if (changed) {
      // A failed rewrite that changed files: carry on from what the files say.
      const t = seedTags();
      toBlue = t.red > 0;
    }
  }
}

async function editLoop() {
  for (let i = 0; running(); i++) {
    const body = `edit ${i}`;
    const r = await bds(['post', 'edit', 'edited', '--body', body]);
    const changed = r.code !== 0 && fs.readFileSync(editedFile, 'utf8').includes(`${body}\n`);
    if (count(editStats, r, changed)) lastEditOk = body;
  }
}

async function mediaLoop() {
  while (running()) {
    const before = mediaFilesOnDisk();
    const r = await bds(['media', 'import', image, '--title', 'Bench image']);
    const changed = r.code !== 0 && mediaFilesOnDisk() > before;
    if (count(mediaStats, r, changed)) mediaImported++;
  }
}

async function previewLoop() {
  while (running()) {
    previewStats.fetches++;
    try {
      const res = await fetch(previewUrl);
      await res.text();
      if (res.ok) previewStats.ok++;
      else previewStats.failed++;
    } catch {
      previewStats.failed++;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

const t0 = performance.now();
await Promise.all([postNewLoop(), tagLoop(), editLoop(), mediaLoop(), previewLoop()]);
const elapsed = (performance.now() - t0) / 1000;
await new Promise<void>((done) => {
  preview.once('exit', () => done());
  preview.kill('SIGTERM');
});
const previewErrors = {
  databaseLocked: (previewErr.match(/database is locked/gi) ?? []).length,
  internal: (previewErr.match(/internal/g) ?? []).length,
  enoent: (previewErr.match(/ENOENT/g) ?? []).length,
};

// ---- Verification.
const problemsRun = await bds(['problems']);
let problems: unknown[];
try {
  problems = JSON.parse(problemsRun.stdout) as unknown[];
} catch {
  problems = [`bds problems failed (${problemsRun.code}): ${problemsRun.stderr.trim()}`];
}

const ws = Workspace.open(root, { home });
let indexEqualsRebuild: boolean;
let indexDiff: string[] = [];
let posts: OutputOf<'posts.list'>;
let editedBody: string;
let mediaIndexed: number;
try {
  const key = (p: { id: string }) => p.id;
  const strip = (list: { id: string }[]) =>
    [...list].sort((a, b) => key(a).localeCompare(key(b))).map((p) => JSON.stringify(p));
  const before = strip(await ws.call('posts.list', {}));
  await ws.call('project.rebuild', {});
  posts = await ws.call('posts.list', {});
  const after = strip(posts);
  indexEqualsRebuild = before.length === after.length && before.every((p, i) => p === after[i]);
  if (!indexEqualsRebuild) {
    const a = new Set(after);
    indexDiff = before.filter((p) => !a.has(p)).slice(0, 5);
  }
  editedBody = (await ws.call('posts.get', { ref: 'edited' })).body;
  mediaIndexed = (await ws.call('media.list', {})).length;
} finally {
  await ws.close();
}

const titles = posts.filter((p) => p.title.startsWith('Writer ')).map((p) => p.title);
const titleSet = new Set(titles);
const failedNewCreated = createdFailed.filter((t) => titleSet.has(t));
const okNewMissing = createdOk.filter((t) => !titleSet.has(t));
const duplicates = titles.length - titleSet.size;
const finalTags = seedTags();
const tagsConsistent =
  (finalTags.red === 6 && finalTags.blue === 0) || (finalTags.red === 0 && finalTags.blue === 6);
const editKept = lastEditOk === undefined || editedBody === `${lastEditOk}\n`;
const mediaOnDisk = mediaFilesOnDisk();

const writers = [newStatsW, tagStats, editStats, mediaStats].map((s) => ({
  ...s,
  meanMs: round(s.meanMs, 0),
}));
const sum = (f: (s: Stats) => number) => writers.reduce((n, s) => n + f(s), 0);
const verification = {
  problems: problems.length,
  indexEqualsRebuild,
  indexDiff,
  postsCreated: titles.length,
  postNewOk: createdOk.length,
  failedPostNewThatCreatedThePost: failedNewCreated.length,
  okPostNewMissing: okNewMissing.length,
  duplicates,
  seedTags: finalTags,
  tagsConsistent,
  lastSuccessfulEditKept: editKept,
  mediaOnDisk,
  mediaIndexed,
  mediaExpected: 1 + mediaImported,
};
const totals = {
  databaseLocked: sum((s) => s.databaseLocked) + previewErrors.databaseLocked,
  internal: sum((s) => s.internal) + previewErrors.internal,
  enoent: sum((s) => s.enoent) + previewErrors.enoent,
  failedButChanged: sum((s) => s.failedButChanged) + failedNewCreated.length,
  lostUpdates: okNewMissing.length + (editKept ? 0 : 1) + (tagsConsistent ? 0 : 1),
  projectBusy: sum((s) => s.projectBusy),
  projectBusyWithoutHint: sum((s) => s.projectBusyWithoutHint),
};
const pass =
  totals.databaseLocked === 0 &&
  totals.internal === 0 &&
  totals.enoent === 0 &&
  totals.failedButChanged === 0 &&
  totals.lostUpdates === 0 &&
  totals.projectBusyWithoutHint === 0 &&
  duplicates === 0 &&
  problems.length === 0 &&
  indexEqualsRebuild &&
  mediaOnDisk === 1 + mediaImported &&
  mediaIndexed === 1 + mediaImported &&
  previewStats.failed === 0;

for (const s of writers)
  log(
    `  ${s.writer}: ${s.runs} runs, ${s.ok} ok, ${s.failed} failed ${JSON.stringify(s.byCode)}; ` +
      `database is locked ${s.databaseLocked}, internal ${s.internal}, ENOENT ${s.enoent}, ` +
      `project-busy ${s.projectBusy} (${s.projectBusyWithoutHint} without a hint), failed but changed ${s.failedButChanged}, ` +
      `mean ${s.meanMs} ms`,
  );
log(
  `  preview: ${previewStats.fetches} fetches, ${previewStats.failed} failed; stderr ${JSON.stringify(previewErrors)}`,
);
log(
  `  verification: problems ${verification.problems}, index = rebuild ${indexEqualsRebuild}, ` +
    `posts created ${titles.length} / ok post new ${createdOk.length}, failed post new that created the post ${failedNewCreated.length}, ` +
    `duplicates ${duplicates}, tags ${JSON.stringify(finalTags)}, last edit kept ${editKept}, ` +
    `media on disk ${mediaOnDisk} / indexed ${mediaIndexed} / expected ${1 + mediaImported}`,
);
log(`  ${pass ? 'PASS' : 'FAIL'} (${round(elapsed, 1)} s)`);

if (asJson)
  process.stdout.write(
    `${JSON.stringify({ seconds: round(elapsed, 1), pass, totals, writers, preview: { ...previewStats, stderr: previewErrors }, verification })}\n`,
  );
fs.rmSync(path.dirname(root), { recursive: true, force: true });
fs.rmSync(home, { recursive: true, force: true });
