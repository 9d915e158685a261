// `bds git ...`: make the project a repository, see its state, commit, and sync with the remote.
// A pull applies what arrived to the index and says what changed.
import { InvalidArgumentError, type Command } from 'commander';
import { formatProblem, type OutputOf } from '../../app/index.js';
import { table } from '../output.js';
import type { CliContext } from '../context.js';

type Change = OutputOf<'git.pull'>['changes'][number];

const VERB: Record<Change['status'], string> = {
  added: 'added   ',
  modified: 'modified',
  deleted: 'deleted ',
  renamed: 'renamed ',
};

function changeLine(c: Change): string {
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
    .action(async (opts: { remote?: string }) => {
      const r = await ctx.call('git.init', { remote: opts.remote });
      ctx.emit(
        r,
        () =>
          `Git repository ready in ${r.rootPath ?? ''} (branch main)${opts.remote ? `, origin ${opts.remote}` : ''}` +
          `\nNext: bds git commit -m "First version"${opts.remote ? ' && bds git push' : ''}`,
      );
    });

  git
    .command('availability')
    .description('whether git is installed, and its version')
    .action(async () => {
      const r = await ctx.call('git.availability', {});
      ctx.emit(r, () => (r.gitFound ? `git ${r.version ?? ''}`.trim() : 'git is not installed'));
    });

  git
    .command('repo')
    .description('whether the project is a repository, its branch and remote')
    .action(async () => {
      const r = await ctx.call('git.repoState', {});
      ctx.emit(r, () => JSON.stringify(r, null, 2));
    });

  git
    .command('status')
    .description('changed files and how the branch stands against its remote')
    .action(async () =>
      ctx.withWorkspace(async (ws) => {
        const [status, remote] = await Promise.all([
          ws.call('git.status', {}),
          ws.call('git.remoteState', {}),
        ]);
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
    .action(async (opts: { limit: number }) => {
      const history = await ctx.call('git.log', { limit: opts.limit });
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
    });

  git
    .command('commit')
    .description('commit every change in the project folder')
    .requiredOption('-m, --message <message>', 'what changed')
    .action(async (opts: { message: string }) => {
      const r = await ctx.call('git.commit', { message: opts.message });
      ctx.emit(r, () =>
        r.nothingToCommit
          ? 'Nothing to commit.'
          : `Committed ${r.commit?.slice(0, 7) ?? ''}: ${opts.message}`,
      );
    });

  git
    .command('pull')
    .description('get the remote changes and apply them to the index')
    .action(async () => {
      const r = await ctx.call('git.pull', {});
      ctx.emit(r, () => {
        if (!r.headMoved) return r.message ?? 'Already up to date.';
        const areas = Object.entries(r.reconcile?.byArea ?? {})
          .map(([area, n]) => `${area} ${n}`)
          .join(', ');
        return [
          `Pulled ${r.changes.length} changed file(s):`,
          ...r.changes.map(changeLine),
          `Index updated: ${r.reconcile?.applied ?? 0} file(s)${areas ? ` (${areas})` : ''}`,
          ...(r.reconcile?.problems ?? []).map((p) => `warning: ${formatProblem(p)}`),
        ].join('\n');
      });
    });

  git
    .command('push')
    .description('send local commits to the remote (sets the upstream the first time)')
    .action(async () => {
      const r = await ctx.call('git.push', {});
      ctx.emit(r, () => 'Pushed.');
    });

  git
    .command('fetch')
    .description('look at the remote without changing files (then see `bds git status`)')
    .action(async () => {
      const r = await ctx.call('git.fetch', {});
      ctx.emit(r, () => (r.hasUpstream ? `Fetched: ${r.ahead} to push, ${r.behind} to pull.` : 'Fetched.'));
    });
}
