// Upload the built site over ssh: html/ to the remote path, thumbnails/ and media/ (without sidecars)
// below it, as three tasks of one group running in parallel, with rsync (default) or scp.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BdsError } from '../core/errors.js';
import { TEMP_MARKER } from '../core/atomic.js';
import { parsePublishSettings, resolveIdentityFile, type PublishSettings } from './settings.js';
import {
  remoteLogin,
  rsyncShell,
  runProcess,
  shellQuote,
  sshFailure,
  sshOptions,
  type SshTarget,
} from './ssh.js';
import { TaskRunner, type TaskContext, type TaskOutcome } from './tasks.js';

/** The folders a publish reads. */
export interface SiteFolders {
  root: string;
  html: string;
  media: string;
  thumbnails: string;
  /** A scratch folder on the same disk (scp mode stages media there); default: the system temp. */
  cache?: string;
}

/** An open project (anything with `project.paths`) or the folders themselves. */
export type UploadSource = SiteFolders | { project: { paths: SiteFolders } };

export type PublishPart = 'html' | 'thumbnails' | 'media';

export interface PartResult {
  part: PublishPart;
  status: 'completed' | 'failed' | 'cancelled';
  /** Remote folder. */
  destination: string;
  filesUploaded: number;
  filesDeleted: number;
  /** Files sent (or, in a dry run, that would be sent), relative to the part's folder. */
  files: string[];
  deleted: string[];
  error?: string;
}

export interface UploadResult {
  htmlFilesUploaded: number;
  thumbnailFilesUploaded: number;
  mediaFilesUploaded: number;
  filesDeleted: number;
  dryRun: boolean;
  mode: 'rsync' | 'scp';
  groupId: string;
  parts: PartResult[];
}

export interface UploadOptions {
  dryRun?: boolean;
  /** Remove remote files the site no longer has (rsync only). */
  delete?: boolean;
  /** Overrides the settings' mode. */
  mode?: 'rsync' | 'scp';
  signal?: AbortSignal;
  /** The runner the three tasks join (its events drive progress displays). Default: a new one. */
  runner?: TaskRunner;
  groupId?: string;
  /** Extra ssh arguments, e.g. ['-o', 'UserKnownHostsFile=...'] (never secrets). */
  sshOptions?: string[];
  /** Extra rsync arguments from code (e.g. --bwlimit); never read from the project folder. */
  rsyncOptions?: string[];
}

const PART_LABEL: Record<PublishPart, string> = {
  html: 'site pages (html/)',
  thumbnails: 'thumbnails (thumbnails/)',
  media: 'media (media/)',
};

/** Files never uploaded: media sidecars (only media/), temp files of interrupted writes (everywhere). */
function isExcluded(part: PublishPart, name: string): boolean {
  return name.startsWith(TEMP_MARKER) || (part === 'media' && name.endsWith('.meta.yaml'));
}

function foldersOf(source: UploadSource): SiteFolders {
  return 'project' in source ? source.project.paths : source;
}

/** Upload the built site. Throws BdsError: site-not-built, auth-required, network, publish-failed, task-cancelled. */
export async function uploadSite(
  source: UploadSource,
  settingsInput: PublishSettings | Record<string, unknown>,
  options: UploadOptions = {},
): Promise<UploadResult> {
  const folders = foldersOf(source);
  const settings = parsePublishSettings(settingsInput);
  const mode = options.mode ?? settings.mode;
  const dryRun = Boolean(options.dryRun);
  if (options.delete && mode === 'scp') {
    throw new BdsError(
      'invalid-argument',
      'scp cannot remove remote files: publish with --mode rsync to use --delete',
    );
  }
  if (!hasFiles(folders.html)) {
    throw new BdsError('site-not-built', `There is no built site in ${folders.html}: build the site first`);
  }
  let identityFile: string | undefined;
  if (settings.identityFile) {
    identityFile = resolveIdentityFile(settings.identityFile, folders.root);
    if (!fs.existsSync(identityFile)) {
      throw new BdsError(
        'publish-config-invalid',
        `meta/publishing.json: field "identityFile" names ${identityFile}, which does not exist`,
        { details: { file: 'meta/publishing.json', field: 'identityFile' } },
      );
    }
  }
  const target: SshTarget = {
    host: settings.host,
    port: settings.port ?? 22,
    user: settings.user,
    identityFile,
    extraOptions: options.sshOptions ?? [],
  };
  const base = remoteBase(settings.remotePath);
  const destinations: Record<PublishPart, string> = {
    html: base,
    thumbnails: path.posix.join(base, 'thumbnails'),
    media: path.posix.join(base, 'media'),
  };
  const parts: PublishPart[] = ['html', 'thumbnails', 'media'];
  const runner = options.runner ?? new TaskRunner();
  const groupId = options.groupId ?? `publish-${Date.now()}`;
  const job = {
    target,
    dryRun,
    delete: Boolean(options.delete),
    cache: folders.cache,
    rsyncOptions: options.rsyncOptions ?? [],
  };

  if (options.signal?.aborted) throw new BdsError('task-cancelled', 'Publishing was cancelled');
  const onAbort = () => runner.cancelGroup(groupId, 'publishing cancelled');
  options.signal?.addEventListener('abort', onAbort, { once: true });
  let outcomes: TaskOutcome<PartResult>[];
  try {
    outcomes = await runner.runGroup(
      parts.map((part) => ({
        name: `Upload ${PART_LABEL[part]}`,
        run: (ctx: TaskContext) => {
          const run = mode === 'rsync' ? rsyncPart : scpPart;
          return run(ctx, { ...job, part, source: folders[part], destination: destinations[part] });
        },
      })),
      { groupId, groupName: dryRun ? 'Publish (dry run)' : 'Publish' },
    );
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }

  const results = outcomes.map((o, i): PartResult => {
    const part = parts[i]!;
    if (o.status === 'completed') return o.value!;
    return {
      part,
      status: o.status,
      destination: destinations[part],
      filesUploaded: 0,
      filesDeleted: 0,
      files: [],
      deleted: [],
      error: o.error instanceof Error ? o.error.message : String(o.error),
    };
  });
  const failed = outcomes.filter((o) => o.status === 'failed').map((o) => o.error);
  if (failed.length > 0) {
    // The error a user must act on first: a refused key, then an unreachable server, then the rest.
    const rank = (e: unknown) =>
      e instanceof BdsError && e.code === 'auth-required'
        ? 0
        : e instanceof BdsError && e.code === 'network'
          ? 1
          : 2;
    const first = [...failed].sort((a, b) => rank(a) - rank(b))[0];
    const others = results.filter((r) => r.status !== 'completed').map((r) => r.part);
    if (first instanceof BdsError) {
      throw new BdsError(first.code, first.message, {
        hint: first.hint,
        details: { parts: results.map(({ files: _f, deleted: _d, ...r }) => r), failed: others },
      });
    }
    throw new BdsError('publish-failed', first instanceof Error ? first.message : String(first), {
      cause: first,
    });
  }
  if (outcomes.some((o) => o.status === 'cancelled')) {
    throw new BdsError('task-cancelled', 'Publishing was cancelled', {
      details: { parts: results.map(({ files: _f, deleted: _d, ...r }) => r) },
    });
  }
  const count = (part: PublishPart) => results.find((r) => r.part === part)!.filesUploaded;
  return {
    htmlFilesUploaded: count('html'),
    thumbnailFilesUploaded: count('thumbnails'),
    mediaFilesUploaded: count('media'),
    filesDeleted: results.reduce((n, r) => n + r.filesDeleted, 0),
    dryRun,
    mode,
    groupId,
    parts: results,
  };
}

/** The remote base folder: `~/x` is `x` (relative to the login's home, as ssh, scp and rsync take it). */
function remoteBase(remotePath: string): string {
  let p = remotePath.trim();
  if (p === '~' || p === '~/') return '.';
  if (p.startsWith('~/')) p = p.slice(2);
  return p.length > 1 ? p.replace(/\/+$/, '') : p;
}

function hasFiles(dir: string): boolean {
  try {
    return fs.readdirSync(dir).length > 0;
  } catch {
    return false;
  }
}

interface PartJob {
  part: PublishPart;
  source: string;
  destination: string;
  target: SshTarget;
  dryRun: boolean;
  delete: boolean;
  cache?: string;
  rsyncOptions: string[];
}

function emptyResult(job: PartJob): PartResult {
  return {
    part: job.part,
    status: 'completed',
    destination: job.destination,
    filesUploaded: 0,
    filesDeleted: 0,
    files: [],
    deleted: [],
  };
}

async function remoteMkdir(job: PartJob, signal: AbortSignal): Promise<void> {
  const t = job.target;
  const result = await runProcess(
    'ssh',
    [
      '-p',
      String(t.port),
      ...sshOptions(t),
      '--',
      remoteLogin(t, false),
      `mkdir -p -- ${shellQuote(job.destination)}`,
    ],
    { signal },
  );
  if (result.code !== 0) throw sshFailure(`Creating ${job.destination} on the server`, t, result);
}

const ITEMIZED = /^([<>ch.*][fdLDS]\S{9}) (.+)$/;

async function rsyncPart(ctx: TaskContext, job: PartJob): Promise<PartResult> {
  if (!hasFiles(job.source)) {
    ctx.progress(100, 'nothing to upload');
    return emptyResult(job);
  }
  ctx.progress(0, 'connecting');
  if (!job.dryRun) await remoteMkdir(job, ctx.signal);
  const args = [
    '-az',
    // Names and options travel inside rsync's protocol, never through the server's shell (whatever
    // RSYNC_OLD_ARGS says): the remote path is checked too, but a second lock costs nothing.
    '-s',
    '--itemize-changes',
    '--info=progress2',
    '--no-inc-recursive',
    `--exclude=${TEMP_MARKER}*`,
    ...(job.part === 'media' ? ['--exclude=*.meta.yaml'] : []),
    // The pages go to the remote root, where thumbnails/ and media/ live too: --delete must spare them.
    ...(job.part === 'html' ? ['--filter=P /thumbnails/', '--filter=P /media/'] : []),
    ...(job.delete ? ['--delete'] : []),
    ...(job.dryRun ? ['--dry-run'] : []),
    ...job.rsyncOptions,
    '-e',
    rsyncShell(job.target),
    '--',
    `${job.source}/`,
    `${remoteLogin(job.target, true)}:${job.destination}/`,
  ];
  const files: string[] = [];
  const deleted: string[] = [];
  const onLine = (line: string) => {
    const item = ITEMIZED.exec(line);
    if (item) {
      if (item[1]!.startsWith('<f')) files.push(item[2]!);
      return;
    }
    const gone = /^\*deleting\s+(.+)$/.exec(line);
    if (gone) {
      if (!gone[1]!.endsWith('/')) deleted.push(gone[1]!);
      return;
    }
    const chk = /to-chk=(\d+)\/(\d+)/.exec(line);
    if (chk) {
      const total = Number(chk[2]);
      const pct = total > 0 ? ((total - Number(chk[1])) / total) * 100 : 100;
      ctx.progress(pct, `${files.length} file(s) ${job.dryRun ? 'to send' : 'sent'}`);
    }
  };
  const result = await runProcess('rsync', args, { signal: ctx.signal, onLine });
  // 24: some source files vanished while rsync ran (a rebuild in progress); the rest went up.
  if (result.code !== 0 && result.code !== 24)
    throw sshFailure(`Uploading ${PART_LABEL[job.part]}`, job.target, result);
  ctx.progress(100, `${files.length} file(s) ${job.dryRun ? 'to send' : 'sent'}`);
  return { ...emptyResult(job), filesUploaded: files.length, filesDeleted: deleted.length, files, deleted };
}

/** Files under `dir` (dot-files included: .htaccess, .well-known/), relative, sorted; `skip` by name. */
function listFiles(dir: string, skip: (name: string) => boolean): string[] {
  const out: string[] = [];
  const visit = (abs: string, rel: string) => {
    for (const e of fs.readdirSync(abs, { withFileTypes: true })) {
      if (skip(e.name)) continue;
      const childRel = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) visit(path.join(abs, e.name), childRel);
      else if (e.isFile()) out.push(childRel);
    }
  };
  visit(dir, '');
  return out.sort();
}

const SCP_BATCH = 100;

async function scpPart(ctx: TaskContext, job: PartJob): Promise<PartResult> {
  if (!hasFiles(job.source)) {
    ctx.progress(100, 'nothing to upload');
    return emptyResult(job);
  }
  const skip = (name: string) => isExcluded(job.part, name);
  const files = listFiles(job.source, skip);
  if (files.length === 0) {
    ctx.progress(100, 'nothing to upload');
    return emptyResult(job);
  }
  const t = job.target;
  ctx.progress(0, 'connecting');
  if (job.dryRun) {
    // Nothing is sent, but the login is checked so a dry run finds a wrong key too.
    const probe = await runProcess(
      'ssh',
      ['-p', String(t.port), ...sshOptions(t), '--', remoteLogin(t, false), 'true'],
      {
        signal: ctx.signal,
      },
    );
    if (probe.code !== 0) throw sshFailure('Connecting to the server', t, probe);
    ctx.progress(100, `${files.length} file(s) to send`);
    return { ...emptyResult(job), filesUploaded: files.length, files };
  }
  await remoteMkdir(job, ctx.signal);
  const staged = needsStaging(job.source, skip) ? stage(job, files) : undefined;
  try {
    const from = staged ?? job.source;
    const entries = fs
      .readdirSync(from)
      .filter((n) => !skip(n))
      .sort();
    for (let i = 0; i < entries.length; i += SCP_BATCH) {
      const batch = entries.slice(i, i + SCP_BATCH).map((n) => path.join(from, n));
      const result = await runProcess(
        'scp',
        [
          '-r',
          '-p',
          '-q',
          '-P',
          String(t.port),
          ...sshOptions(t),
          '--',
          ...batch,
          `${remoteLogin(t, true)}:${job.destination}/`,
        ],
        { signal: ctx.signal },
      );
      if (result.code !== 0) throw sshFailure(`Uploading ${PART_LABEL[job.part]}`, t, result);
      ctx.progress(
        (Math.min(i + SCP_BATCH, entries.length) / entries.length) * 100,
        `sending ${files.length} file(s)`,
      );
    }
  } finally {
    if (staged) fs.rmSync(staged, { recursive: true, force: true });
  }
  ctx.progress(100, `${files.length} file(s) sent`);
  return { ...emptyResult(job), filesUploaded: files.length, files };
}

function needsStaging(dir: string, skip: (name: string) => boolean): boolean {
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (skip(e.name)) return true;
  }
  return false;
}

/** A copy of the files to send without the excluded ones: hard links when the disk allows (no copying). */
function stage(job: PartJob, files: string[]): string {
  const base = job.cache ?? os.tmpdir();
  fs.mkdirSync(base, { recursive: true });
  const dir = fs.mkdtempSync(path.join(base, `publish-${job.part}-`));
  for (const rel of files) {
    const from = path.join(job.source, rel);
    const to = path.join(dir, rel);
    fs.mkdirSync(path.dirname(to), { recursive: true });
    try {
      fs.linkSync(from, to);
    } catch {
      fs.copyFileSync(from, to);
    }
  }
  return dir;
}
