// `bds build` (the static site into html/, incrementally, with a progress bar and a summary) and
// `bds preview` (the site served on 127.0.0.1 with drafts and live reload).
import { InvalidArgumentError, Option, type Command } from 'commander';
import {
  formatMacroFailure,
  formatProblem,
  formatSiteWarning,
  type BuildPhase,
  type BuildSummary,
} from '../../app/index.js';
import { ProgressBar } from '../output.js';
import type { CliContext } from '../context.js';

const PHASE_LABELS: Record<BuildPhase, string> = {
  load: 'reading the project',
  posts: 'rendering posts',
  pages: 'writing pages',
  media: 'copying media',
  done: 'done',
};

/** Warnings shown in the terminal; the JSON output has them all. */
const MAX_WARNINGS_SHOWN = 20;

function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError(`must be a port number, not "${v}"`);
  return n;
}

export function describeBuild(s: BuildSummary): string {
  const c = s.macroCounters;
  const lines = [
    s.upToDate
      ? `${s.outDir} is up to date: nothing changed since the last build (${s.posts} post(s), ${Math.round(s.ms)} ms)`
      : `Built ${s.posts} post(s) into ${s.outDir} in ${Math.round(s.ms)} ms`,
    `  pages:  ${s.pagesWritten} written, ${s.pagesUnchanged} unchanged, ${s.pagesRemoved} removed (${s.files} files)`,
    `  posts:  ${s.postsRendered} rendered${s.postsOnWorkers ? ` (${s.postsOnWorkers} with their macros on Python workers)` : ''}, ${s.postsCached} from the cache`,
    `  media:  ${s.media.copied + s.thumbnails.copied} copied, ${s.media.removed + s.thumbnails.removed} removed`,
    `  macros: ${c.builtin} built-in, ${c.python} Python, ${c.unknown} unknown, ${c.failed} failed`,
  ];
  if (s.failures.length > 0) {
    lines.push(`Macro failures (${s.failures.length}; they render empty; --strict makes the build fail):`);
    for (const f of s.failures) lines.push(`  ${formatMacroFailure(f)}`);
  }
  if (s.warnings.length > 0) {
    lines.push(`Warnings (${s.warnings.length}):`);
    for (const w of s.warnings.slice(0, MAX_WARNINGS_SHOWN)) lines.push(`  ${formatSiteWarning(w)}`);
    if (s.warnings.length > MAX_WARNINGS_SHOWN) {
      lines.push(`  ... and ${s.warnings.length - MAX_WARNINGS_SHOWN} more (--json lists them all)`);
    }
  }
  return lines.join('\n');
}

export function siteCommands(program: Command, ctx: CliContext): void {
  program
    .command('build')
    .description('build the static site into html/ (only changed files are written)')
    .option('--strict', 'fail the build (and write nothing) when a macro fails')
    .option('--force', 'ignore the caches and write every file again')
    .addOption(
      new Option(
        '--priority <level>',
        'background: yield the CPU to the app, editors and previews when they want it (no slower on an idle machine); normal: compete with them as equals',
      )
        .choices(['background', 'normal'])
        .default('background'),
    )
    .action(async (opts: { strict?: boolean; force?: boolean; priority: 'background' | 'normal' }) => {
      // Before the project opens, so that every worker the build starts runs at the same priority.
      if (opts.priority === 'background') ctx.io.background?.();
      const bar = new ProgressBar(ctx.io, 'Building');
      let summary: BuildSummary;
      try {
        summary = await ctx.call(
          'site.build',
          { strict: opts.strict, force: opts.force },
          { onBuildProgress: (p) => bar.update(p.done, p.total, PHASE_LABELS[p.phase]) },
        );
      } finally {
        bar.done();
      }
      ctx.emit(summary, () => describeBuild(summary));
    });

  program
    .command('preview')
    .description('serve the site on 127.0.0.1 with drafts, and reload the browser when files change')
    .option('--port <n>', 'port (default 4123; 0 picks a free one)', port)
    .action(async (opts: { port?: number }) =>
      ctx.withWorkspace(async (ws) => {
        // A file changed outside this process that cannot be indexed is said here, as it happens.
        ws.events.on('problem', (p) =>
          ctx.io.err(ctx.json() ? JSON.stringify({ problem: p }) : `warning: ${formatProblem(p)}`),
        );
        const server = await ws.startPreview({ port: opts.port ?? 4123, watchContent: true });
        const { posts: counts } = await ws.call('project.summary', {});
        const posts = counts.draft + counts.published + counts.archived;
        ctx.emit(
          { url: server.url, project: ws.root, name: ws.project.settings.name, posts },
          () =>
            `Preview of "${ws.project.settings.name}" (${ws.root}, ${posts} post(s)) on ${server.url}\n` +
            'Drafts are included; the page reloads when files change. Ctrl-C stops it.',
        );
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        await server.close();
      }),
    );
}
