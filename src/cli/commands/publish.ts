// `bds publish`: upload the built site over ssh with a progress bar and a summary, and
// `bds publish config` to write meta/publishing.json (no secrets in it).
import { Option, InvalidArgumentError, type Command } from 'commander';
import path from 'node:path';
import { BdsError, PUBLISHING_FILE, type OutputOf } from '../../app/index.js';
import { ProgressBar } from '../output.js';
import type { CliContext } from '../context.js';

function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    throw new InvalidArgumentError(`must be a port number, not "${v}"`);
  return n;
}

type PublishSettings = OutputOf<'publish.getConfig'>;
type UploadResult = OutputOf<'publish.upload'>;

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
        const settings = await ws.call('publish.getConfig', {});
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
        // The upload runs as three tasks of the workspace; their events draw the bar.
        const offProgress = ws.tasks.on('task-progress', (t) =>
          redraw(t.id, t.progress, `${t.name}: ${t.message}`),
        );
        const offDone = ws.tasks.on('task-completed', (t) => redraw(t.id, 100, `${t.name}: done`));
        const controller = new AbortController();
        // rsync runs in its own process group, so Ctrl-C must cancel it through us.
        const onSigint = () => controller.abort();
        process.once('SIGINT', onSigint);
        let result: UploadResult;
        try {
          result = await ws.call(
            'publish.upload',
            { dryRun: opts.dryRun, delete: opts.delete, mode: opts.mode },
            { caller: 'cli', env: ctx.io.env, signal: controller.signal },
          );
        } catch (e) {
          if (e instanceof BdsError && e.code === 'task-cancelled') ctx.setExitCode(130);
          throw e;
        } finally {
          process.off('SIGINT', onSigint);
          offProgress();
          offDone();
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
        (async () => {
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
          const given = {
            host: opts.host,
            user: opts.user,
            remotePath: opts.path,
            port: opts.port,
            identityFile: opts.identityFile,
            mode: opts.mode,
          };
          if (Object.values(given).every((v) => v === undefined)) {
            const current = await ctx.call('publish.getConfig', {});
            ctx.emit(current, () => `${PUBLISHING_FILE}: ${describeTarget(current)}`);
            return;
          }
          const written = await ctx.call('publish.setConfig', given);
          ctx.emit(written, () => `Wrote ${PUBLISHING_FILE}: ${describeTarget(written)}`);
        })(),
    );
}
