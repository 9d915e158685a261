// `bds publish`: upload the built site over ssh with a progress bar and a summary, and
// `bds publish config` to write meta/publishing.json (no secrets in it).
import { Option, InvalidArgumentError, type Command } from 'commander';
import fs from 'node:fs';
import path from 'node:path';
import { BdsError } from '../../core/errors.js';
import {
  PUBLISHING_FILE,
  readPublishSettings,
  TaskRunner,
  uploadSite,
  writePublishSettings,
  type PublishSettings,
  type UploadResult,
} from '../../publish/index.js';
import { ProgressBar } from '../output.js';
import type { CliContext } from '../program.js';

function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    throw new InvalidArgumentError(`must be a port number, not "${v}"`);
  return n;
}

function describeTarget(s: PublishSettings): string {
  return `${s.user}@${s.host}${s.port ? `:${s.port}` : ''}:${s.remotePath} (${s.mode}${s.identityFile ? `, key ${s.identityFile}` : ', ssh agent'})`;
}

function summary(r: UploadResult, s: PublishSettings): string {
  const verb = r.dryRun ? 'to upload' : 'uploaded';
  const head = `${r.dryRun ? 'Dry run: nothing was sent. ' : 'Published. '}${r.htmlFilesUploaded} page file(s), ${r.thumbnailFilesUploaded} thumbnail(s), ${r.mediaFilesUploaded} media file(s) ${verb}${r.filesDeleted ? `; ${r.filesDeleted} remote file(s) ${r.dryRun ? 'would be ' : ''}deleted` : ''}.`;
  const lines = [head, `  to ${describeTarget({ ...s, mode: r.mode })}`];
  if (r.dryRun) {
    for (const part of r.parts) {
      for (const f of part.files) lines.push(`  send   ${path.posix.join(part.destination, f)}`);
      for (const f of part.deleted) lines.push(`  delete ${path.posix.join(part.destination, f)}`);
    }
  }
  return lines.join('\n');
}

export function publishCommands(program: Command, ctx: CliContext): void {
  const publish = program
    .command('publish')
    .description(
      'upload the built site (html/, thumbnails/, media/ without sidecars) over ssh; extra ssh options for this machine can be given in BDS_SSH_OPTIONS',
    )
    .option('--dry-run', 'show what would be sent, send nothing')
    .option('--delete', 'remove remote files the site no longer has (rsync only)')
    .addOption(
      new Option('--mode <mode>', 'override the mode in meta/publishing.json').choices(['rsync', 'scp']),
    )
    .action(async (opts: { dryRun?: boolean; delete?: boolean; mode?: 'rsync' | 'scp' }) =>
      ctx.withWorkspace(async (ws) => {
        const settings = readPublishSettings(ws.root);
        const runner = new TaskRunner();
        const bar = new ProgressBar(ctx.io, opts.dryRun ? 'Checking' : 'Publishing');
        const percent = new Map<string, number>();
        const redraw = (id: string, pct: number, message: string) => {
          percent.set(id, pct);
          bar.update(
            [...percent.values()].reduce((a, b) => a + b, 0),
            300,
            message,
          );
        };
        runner.on('task-progress', (t) => redraw(t.id, t.progress, `${t.name}: ${t.message}`));
        runner.on('task-completed', (t) => redraw(t.id, 100, `${t.name}: done`));
        const controller = new AbortController();
        // rsync runs in its own process group, so Ctrl-C must cancel it through us.
        const onSigint = () => controller.abort();
        process.once('SIGINT', onSigint);
        let result: UploadResult;
        try {
          result = await uploadSite(ws, settings, {
            dryRun: opts.dryRun,
            delete: opts.delete,
            mode: opts.mode,
            runner,
            signal: controller.signal,
            sshOptions: ctx.io.env.BDS_SSH_OPTIONS?.split(/\s+/).filter(Boolean),
          });
        } catch (e) {
          if (e instanceof BdsError && e.code === 'task-cancelled') ctx.setExitCode(130);
          throw e;
        } finally {
          process.off('SIGINT', onSigint);
          bar.done();
        }
        ctx.emit(result, () => summary(result, settings));
      }),
    );

  publish
    .command('config')
    .description(`write ${PUBLISHING_FILE} (given options replace the current ones; none shows them)`)
    .option('--host <host>', 'server host name or address')
    .option('--user <user>', 'ssh user')
    .option('--path <path>', 'folder on the server the site goes to')
    .option('--port <n>', 'ssh port (default 22)', port)
    .option(
      '--identity-file <file>',
      'private key file (its path is stored, never the key); default: the ssh agent',
    )
    .addOption(new Option('--mode <mode>', 'upload with rsync (default) or scp').choices(['rsync', 'scp']))
    .action(
      async (opts: {
        host?: string;
        user?: string;
        path?: string;
        port?: number;
        identityFile?: string;
        mode?: 'rsync' | 'scp';
      }) =>
        ctx.withWorkspace((ws) => {
          // The program parses options anywhere on the line, so `publish` itself takes the flags it
          // shares with `config` (--mode) or that `config` lacks (--dry-run, --delete).
          const parent = publish.opts<{ mode?: 'rsync' | 'scp'; dryRun?: boolean; delete?: boolean }>();
          if (parent.dryRun || parent.delete) {
            throw new BdsError(
              'invalid-argument',
              '--dry-run and --delete belong to `bds publish`, not `bds publish config`',
            );
          }
          opts.mode ??= parent.mode;
          const exists = fs.existsSync(path.join(ws.root, PUBLISHING_FILE));
          const current = exists ? readPublishSettings(ws.root) : undefined;
          const given = {
            host: opts.host,
            user: opts.user,
            remotePath: opts.path,
            port: opts.port,
            identityFile: opts.identityFile,
            mode: opts.mode,
          };
          if (Object.values(given).every((v) => v === undefined)) {
            if (!current) readPublishSettings(ws.root);
            ctx.emit(current, () => `${PUBLISHING_FILE}: ${describeTarget(current!)}`);
            return;
          }
          const merged = {
            ...current,
            ...Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)),
          };
          const written = writePublishSettings(ws.root, merged);
          ctx.emit(written, () => `Wrote ${PUBLISHING_FILE}: ${describeTarget(written)}`);
        }),
    );
}
