// `bds git ...`: make the project a repository, see its state, commit, and sync with the remote.
// A pull applies what arrived to the index and says what changed.
import { InvalidArgumentError, type Command } from 'commander';
import { GitSync, pullAndReconcile, type GitActionResult, type GitChange } from '../../sync/index.js';
import { table } from '../output.js';
import type { CliContext } from '../program.js';

/** Print a git action's result: the summary on success, else the error and guidance with exit code 1. */
function report(ctx: CliContext, result: GitActionResult, human: () => string): void {
  if (result.success) {
    ctx.emit(result, human);
    return;
  }
  ctx.setExitCode(1);
  if (ctx.json()) {
    ctx.emit(result, () => '');
    return;
  }
  ctx.io.err(
    [
      `error: ${result.error ?? 'git failed'}${result.code ? ` [${result.code}]` : ''}`,
      ...(result.guidance ?? []).map((g) => `  hint: ${g}`),
    ].join('\n'),
  );
}

const VERB: Record<GitChange['status'], string> = {
  added: 'added   ',
  modified: 'modified',
  deleted: 'deleted ',
  renamed: 'renamed ',
};

function changeLine(c: GitChange): string {
  return c.status === 'renamed'
    ? `  ${VERB[c.status]} ${c.previousPath} -> ${c.path}`
    : `  ${VERB[c.status]} ${c.path}`;
}

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`must be a positive integer, not "${v}"`);
  return n;
}

export function gitCommands(program: Command, ctx: CliContext): void {
  const git = program
    .command('git')
    .description('keep the project in git: status, history, commit, pull (updates the index) and push');

  git
    .command('init')
    .description('make the project folder a git repository (branch main)')
    .option('--remote <url>', 'set this URL as the remote "origin"')
    .action(async (opts: { remote?: string }) =>
      ctx.withWorkspace(async (ws) => {
        const r = await new GitSync(ws.root).initRepo({ remote: opts.remote });
        report(
          ctx,
          r,
          () =>
            `Git repository ready in ${ws.root} (branch main)${opts.remote ? `, origin ${opts.remote}` : ''}` +
            `\nNext: bds git commit -m "First version"${opts.remote ? ' && bds git push' : ''}`,
        );
      }),
    );

  git
    .command('status')
    .description('changed files and how the branch stands against its remote')
    .action(async () =>
      ctx.withWorkspace(async (ws) => {
        const g = new GitSync(ws.root);
        const [status, remote] = await Promise.all([g.getStatus(), g.getRemoteState()]);
        ctx.emit({ ...status, remote }, () => {
          const branch = remote.localBranch ?? '(no branch)';
          const head = remote.hasUpstream
            ? `On ${branch}, tracking ${remote.upstreamBranch}: ${remote.ahead} to push, ${remote.behind} to pull (as of the last fetch)`
            : `On ${branch}, no upstream yet (bds git push sets it)`;
          const rows = status.files.map((f) => [
            f.status + (f.staged ? ' (staged)' : ''),
            f.previousPath ? `${f.previousPath} -> ${f.path}` : f.path,
          ]);
          return [
            head,
            rows.length ? table(rows.map((r) => ['  ' + r[0]!, r[1]!])) : '  nothing to commit',
          ].join('\n');
        });
      }),
    );

  git
    .command('log')
    .description('recent commits, marked when only here or only on the remote')
    .option('--limit <n>', 'at most this many', positiveInt, 20)
    .action(async (opts: { limit: number }) =>
      ctx.withWorkspace(async (ws) => {
        const history = await new GitSync(ws.root).getHistory(opts.limit);
        ctx.emit(history, () =>
          history.length === 0
            ? 'No commits yet.'
            : table(
                history.map((c) => [
                  c.shortHash,
                  c.date.slice(0, 16).replace('T', ' '),
                  c.syncStatus === 'local-only' ? 'to push' : c.syncStatus === 'remote-only' ? 'to pull' : '',
                  c.author,
                  c.subject,
                ]),
              ),
        );
      }),
    );

  git
    .command('commit')
    .description('commit every change in the project folder')
    .requiredOption('-m, --message <message>', 'what changed')
    .action(async (opts: { message: string }) =>
      ctx.withWorkspace(async (ws) => {
        const r = await new GitSync(ws.root).commitAll(opts.message);
        report(ctx, r, () =>
          r.nothingToCommit
            ? 'Nothing to commit.'
            : `Committed ${r.commit?.slice(0, 7) ?? ''}: ${opts.message}`,
        );
      }),
    );

  git
    .command('pull')
    .description('get the remote changes and apply them to the index')
    .action(async () =>
      ctx.withWorkspace(async (ws) => {
        const r = await pullAndReconcile(ws, new GitSync(ws.root));
        if (!r.success && r.reconcile === undefined) {
          report(ctx, r, () => '');
          if (!ctx.json() && r.conflicts?.length)
            ctx.io.err(`Conflicting files:\n${r.conflicts.map((f) => `  ${f}`).join('\n')}`);
          return;
        }
        const lines = (): string[] => {
          if (!r.headMoved) return [r.message ?? 'Already up to date.'];
          const areas = Object.entries(r.reconcile?.byArea ?? {})
            .map(([area, n]) => `${area} ${n}`)
            .join(', ');
          return [
            `Pulled ${r.changes.length} changed file(s):`,
            ...r.changes.map(changeLine),
            `Index updated: ${r.reconcile?.applied ?? 0} file(s)${areas ? ` (${areas})` : ''}`,
            ...(r.reconcile?.problems ?? []).map(
              (p) => `warning: ${p.file}${p.line ? `:${p.line}` : ''}: ${p.message} [${p.code}]`,
            ),
          ];
        };
        if (r.success) ctx.emit(r, () => lines().join('\n'));
        else {
          if (!ctx.json()) ctx.io.out(lines().join('\n'));
          report(ctx, r, () => '');
        }
      }),
    );

  git
    .command('push')
    .description('send local commits to the remote (sets the upstream the first time)')
    .action(async () =>
      ctx.withWorkspace(async (ws) => {
        const r = await new GitSync(ws.root).push();
        report(ctx, r, () => 'Pushed.');
      }),
    );

  git
    .command('fetch')
    .description('look at the remote without changing files (then see `bds git status`)')
    .action(async () =>
      ctx.withWorkspace(async (ws) => {
        const g = new GitSync(ws.root);
        const r = await g.fetch();
        if (!r.success) return report(ctx, r, () => '');
        const remote = await g.getRemoteState();
        report(ctx, { ...r, ...remote } as GitActionResult, () =>
          remote.hasUpstream ? `Fetched: ${remote.ahead} to push, ${remote.behind} to pull.` : 'Fetched.',
        );
      }),
    );
}
