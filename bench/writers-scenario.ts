// The several-writers scenario of issue 19, shared by bench:writers and its test: a seeded project,
// writer processes (bench/writer-process.ts), a `bds preview` read while they write, and the checks
// made afterwards on the files and the index. Every count it returns must be 0 but `projectBusy`.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import sharp from 'sharp';
import { Workspace } from '../src/app/workspace.js';
import { initProject } from '../src/content/project.js';
import { percentile, round } from './args.js';
import {
  EDITED_SLUG,
  mediaFiles,
  seedTags,
  type WriterFailure,
  type WriterReport,
  type WriterRole,
} from './writer-process.js';

const HERE = path.dirname(new URL(import.meta.url).pathname);
const WRITER = path.join(HERE, 'writer-process.ts');
const CLI = path.resolve(HERE, '../src/cli/main.ts');

/** A project with a draft to edit, six posts tagged `red`, a few others and one image; and the image. */
export async function seedProject(root: string, home: string): Promise<{ image: string }> {
  initProject(root, { name: 'Writers' });
  const image = path.join(path.dirname(root), 'small.png');
  await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 200, g: 80, b: 40 } } })
    .png()
    .toFile(image);
  const ws = Workspace.open(root, { home });
  try {
    await ws.call('posts.create', { title: 'Edited', slug: EDITED_SLUG, body: 'start\n' });
    for (let i = 0; i < 6; i++)
      await ws.call('posts.create', {
        title: `Tagged ${i}`,
        slug: `tagged-${i}`,
        tags: ['red', 'seed'],
        body: `Tagged ${i}.\n`,
      });
    for (let i = 0; i < 4; i++) await ws.call('posts.create', { title: `Plain ${i}`, body: `Plain ${i}.\n` });
    await ws.call('media.import', { files: [image], title: 'Seed image' });
  } finally {
    await ws.close();
  }
  return { image };
}

export interface WriterSpec {
  role: WriterRole;
  /** Stop after this many operations, or after `seconds`. */
  ops?: number;
  seconds?: number;
  /** post-new: keep one real `bds --json post new` process running beside the loop. */
  cli?: boolean;
  /** BDS_LOCK_TIMEOUT_MS of the writer (and of its `bds` processes): short ones make project-busy. */
  lockTimeoutMs?: number;
}

/** Starts one writer process; resolves with its report. */
export function runWriterProcess(
  root: string,
  home: string,
  image: string,
  spec: WriterSpec,
  env: NodeJS.ProcessEnv = process.env,
): Promise<WriterReport> {
  const args = [WRITER, spec.role, root, home, '--image', image];
  if (spec.ops !== undefined) args.push('--ops', String(spec.ops));
  if (spec.seconds !== undefined) args.push('--seconds', String(spec.seconds));
  if (spec.cli) args.push('--cli');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
      env: {
        ...env,
        BDS_HOME: home,
        ...(spec.lockTimeoutMs === undefined ? {} : { BDS_LOCK_TIMEOUT_MS: String(spec.lockTimeoutMs) }),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !last.startsWith('{'))
        return reject(new Error(`writer ${spec.role} exited ${code}: ${err.trim().slice(-2000)}`));
      resolve(JSON.parse(last) as WriterReport);
    });
  });
}

export interface PreviewReader {
  url: string;
  /** Stops polling, stops the preview and says what it saw. */
  stop(): Promise<PreviewReport>;
}

export interface PreviewReport {
  fetches: number;
  failed: number;
  failures: string[];
  /** Lines the preview wrote to stderr (it should write none). */
  stderr: string[];
}

/** Starts `bds preview` and reads its home page and a post page one after the other until stopped. */
export async function startPreviewReader(root: string, home: string): Promise<PreviewReader> {
  const preview: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', CLI, '--project', root, '--json', 'preview', '--port', '0'],
    { env: { ...process.env, BDS_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  preview.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    preview.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (/^\}$/m.test(out)) resolve((JSON.parse(out) as { url: string }).url);
    });
    preview.once('exit', (code) => reject(new Error(`bds preview exited (${code}): ${stderr}`)));
  });
  const report: PreviewReport = { fetches: 0, failed: 0, failures: [], stderr: [] };
  let polling = true;
  const fetchOne = async (address: string): Promise<string> => {
    report.fetches++;
    try {
      const res = await fetch(address);
      const text = await res.text();
      if (!res.ok) {
        report.failed++;
        report.failures.push(`${res.status} ${address}: ${text.slice(0, 200)}`);
      }
      return text;
    } catch (e) {
      report.failed++;
      report.failures.push(`${address}: ${(e as Error).message}`);
      return '';
    }
  };
  const poll = (async () => {
    while (polling) {
      const page = await fetchOne(url);
      // The newest post the home page links to: written a moment ago, read now.
      const link = /href="(\/[^"#?]*\d{4}\/[^"#?]+)"/.exec(page)?.[1];
      if (link) await fetchOne(new URL(link, url).href);
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  return {
    url,
    async stop() {
      polling = false;
      await poll;
      await new Promise<void>((done) => {
        preview.once('exit', () => done());
        preview.kill('SIGTERM');
      });
      report.stderr = stderr.split('\n').filter((l) => l.trim() !== '');
      return report;
    },
  };
}

export interface Verdict {
  /** Error codes and messages the writers met, by trouble. */
  databaseLocked: number;
  internal: number;
  enoent: number;
  failedButChanged: number;
  lostUpdates: number;
  duplicates: number;
  projectBusy: number;
  projectBusyWithoutHint: number;
  otherFailures: number;
  previewFailures: number;
  previewStderr: number;
  problems: number;
  indexEqualsRebuild: boolean;
  indexDiff: string[];
  postsCreated: number;
  postNewOk: number;
  mediaOnDisk: number;
  mediaIndexed: number;
  mediaExpected: number;
  tags: { red: number; blue: number };
  lastEditKept: boolean;
  /** Examples of each kind of failure, for the reader. */
  examples: string[];
  pass: boolean;
}

const isLocked = (f: WriterFailure) => /database is locked/i.test(f.message) || /SQLITE_BUSY/.test(f.code);

/** Reads the project after the writers stopped and checks every invariant. */
export async function verifyProject(
  root: string,
  home: string,
  reports: WriterReport[],
  preview?: PreviewReport,
): Promise<Verdict> {
  const failures = reports.flatMap((r) => r.failures);
  const ws = Workspace.open(root, { home });
  let indexEqualsRebuild: boolean;
  let indexDiff: string[] = [];
  let titles: string[];
  let editedBody: string;
  let mediaIndexed: number;
  let problems: number;
  try {
    const snapshot = async () =>
      [
        ...(await ws.call('posts.list', {})).map((p) => `post ${JSON.stringify(p)}`),
        ...(await ws.call('media.list', {})).map((m) => `media ${JSON.stringify(m)}`),
        ...(await ws.call('tags.list', {})).map((t) => `tag ${JSON.stringify(t)}`),
      ].sort();
    const before = await snapshot();
    problems = (await ws.call('project.problems', {})).length;
    await ws.call('project.rebuild', {});
    const after = await snapshot();
    indexEqualsRebuild = before.length === after.length && before.every((p, i) => p === after[i]);
    if (!indexEqualsRebuild) {
      const a = new Set(after);
      const b = new Set(before);
      indexDiff = [
        ...before.filter((p) => !a.has(p)).map((p) => `index only: ${p.slice(0, 300)}`),
        ...after.filter((p) => !b.has(p)).map((p) => `files only: ${p.slice(0, 300)}`),
      ].slice(0, 6);
    }
    titles = (await ws.call('posts.list', {}))
      .filter((p) => p.title.startsWith('Writer '))
      .map((p) => p.title);
    editedBody = (await ws.call('posts.get', { ref: EDITED_SLUG })).body;
    mediaIndexed = (await ws.call('media.list', {})).length;
  } finally {
    await ws.close();
  }
  const titleSet = new Set(titles);
  const created = reports.flatMap((r) => r.created);
  const notCreated = reports.flatMap((r) => r.notCreated);
  const editor = reports.find((r) => r.role === 'post-edit');
  const lastEditKept = editor?.lastEdit === undefined || editedBody === `${editor.lastEdit}\n`;
  const tags = seedTags(root);
  const tagsConsistent = (tags.red === 6 && tags.blue === 0) || (tags.red === 0 && tags.blue === 6);
  const mediaExpected = 1 + reports.reduce((n, r) => n + r.imported, 0);
  const mediaOnDisk = mediaFiles(root);
  const lostUpdates =
    reports.reduce((n, r) => n + r.lost.length, 0) +
    created.filter((t) => !titleSet.has(t)).length +
    (lastEditKept ? 0 : 1) +
    (tagsConsistent ? 0 : 1) +
    (mediaOnDisk === mediaExpected && mediaIndexed === mediaExpected ? 0 : 1);
  const failedButChanged =
    failures.filter((f) => f.changed).length + notCreated.filter((t) => titleSet.has(t)).length;
  const databaseLocked = failures.filter(isLocked).length;
  const internal = failures.filter((f) => f.code === 'internal' || f.code.startsWith('thrown')).length;
  const enoent = failures.filter((f) => /ENOENT/.test(f.message) || f.code.includes('ENOENT')).length;
  const busy = failures.filter((f) => f.code === 'project-busy');
  const otherFailures = failures.filter(
    (f) => f.code !== 'project-busy' && !isLocked(f) && f.code !== 'internal' && !f.code.startsWith('thrown'),
  ).length;
  const examples = [
    ...new Set(
      // One line per kind: the op's number apart, they repeat.
      failures.map(
        (f) =>
          `${f.op.replace(/-\d+$/, '-N')}: ${f.code}: ${f.message.slice(0, 200)}${f.changed ? ' (changed)' : ''}`,
      ),
    ),
  ].slice(0, 8);
  for (const r of reports) examples.push(...r.lost.slice(0, 3).map((l) => `${r.role} lost: ${l}`));
  if (preview) examples.push(...preview.failures.slice(0, 3), ...preview.stderr.slice(0, 3));
  const previewStderr = preview?.stderr.length ?? 0;
  const verdict: Omit<Verdict, 'pass'> = {
    databaseLocked,
    internal,
    enoent,
    failedButChanged,
    lostUpdates,
    duplicates: titles.length - titleSet.size,
    projectBusy: busy.length,
    projectBusyWithoutHint: busy.filter((f) => !f.hint).length,
    otherFailures,
    previewFailures: preview?.failed ?? 0,
    previewStderr,
    problems,
    indexEqualsRebuild,
    indexDiff,
    postsCreated: titles.length,
    postNewOk: created.length,
    mediaOnDisk,
    mediaIndexed,
    mediaExpected,
    tags,
    lastEditKept,
    examples,
  };
  const pass =
    verdict.databaseLocked === 0 &&
    verdict.internal === 0 &&
    verdict.enoent === 0 &&
    verdict.failedButChanged === 0 &&
    verdict.lostUpdates === 0 &&
    verdict.duplicates === 0 &&
    verdict.projectBusyWithoutHint === 0 &&
    verdict.otherFailures === 0 &&
    verdict.previewFailures === 0 &&
    verdict.previewStderr === 0 &&
    verdict.problems === 0 &&
    indexEqualsRebuild &&
    titles.length === created.length;
  return { ...verdict, pass };
}

/** Ops, failures and latency percentiles of one writer, for the bench's table. */
export function writerSummary(r: WriterReport): {
  role: WriterRole;
  ops: number;
  ok: number;
  failed: number;
  byCode: Record<string, number>;
  p50Ms: number;
  p95Ms: number;
  /** Operations through a real `bds --json` process, start-up included. */
  cli?: { ops: number; p50Ms: number; p95Ms: number };
} {
  const byCode: Record<string, number> = {};
  for (const f of r.failures) byCode[f.code] = (byCode[f.code] ?? 0) + 1;
  const p = (list: number[], at: number) =>
    round(
      percentile(
        [...list].sort((a, b) => a - b),
        at,
      ),
      0,
    );
  return {
    role: r.role,
    ops: r.ops,
    ok: r.ok,
    failed: r.failures.length,
    byCode,
    p50Ms: p(r.latenciesMs, 50),
    p95Ms: p(r.latenciesMs, 95),
    ...(r.cliOps > 0
      ? { cli: { ops: r.cliOps, p50Ms: p(r.cliLatenciesMs, 50), p95Ms: p(r.cliLatenciesMs, 95) } }
      : {}),
  };
}
