// `bds blogmark URL`: a page becomes a draft after the transform scripts ran over it (the same use case
// as the bookmarklet's Save); `bds blogmark bookmarklet` prints the bookmarklet for this machine's app;
// `bds blogmark transforms` lists what a capture would run.
import { InvalidArgumentError, type Command } from 'commander';
import { escapeControl, type OutputOf } from '../../app/index.js';
import { DEFAULT_APP_PORT, readServerFile } from '../../server/index.js';
import type { CliContext } from '../context.js';

type Report = OutputOf<'blogmarks.capture'>;

function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    throw new InvalidArgumentError(`must be a port number, not "${v}"`);
  return n;
}

/** The report as a person reads it; what scripts said is escaped (it may hold control characters). */
export function describeBlogmark(r: Report): string {
  const esc = escapeControl;
  const lines: string[] = [];
  if (r.duplicate) {
    lines.push(`Captured less than a minute ago: the draft is "${esc(r.post.title)}" (${r.post.path})`);
  } else {
    lines.push(`Draft "${esc(r.post.title)}" (${r.post.path})`);
  }
  lines.push(`  id: ${r.post.id}`);
  if (r.post.tags.length) lines.push(`  tags: ${r.post.tags.map(esc).join(', ')}`);
  if (r.post.categories.length) lines.push(`  categories: ${r.post.categories.map(esc).join(', ')}`);
  if (r.applied.length) {
    lines.push(
      `Transforms run: ${r.applied.map((a) => `${a.slug}${a.changed ? '' : ' (no change)'}`).join(', ')}`,
    );
  }
  if (r.skipped.length) {
    lines.push(
      `Skipped: ${r.skipped.map((s) => `${s.slug} (${s.reason === 'untrusted' ? 'not trusted' : 'disabled'})`).join(', ')}`,
    );
  }
  for (const e of r.errors) lines.push(`Failed: ${e.slug}: ${esc(e.message)} [${e.code}]`);
  for (const t of r.toasts) lines.push(`  ${t.script}: ${esc(t.message)}`);
  if (r.toastsDropped) {
    lines.push(`  (${r.toastsDropped} more toast(s) dropped: at most 5 per script and 20 per capture)`);
  }
  lines.push(`in ${Math.round(r.ms)} ms`);
  return lines.join('\n');
}

export function blogmarkCommands(program: Command, ctx: CliContext): void {
  const blogmark = program
    .command('blogmark')
    .description('capture a web page as a draft post, after the transform scripts ran over it')
    .argument('[url]', 'the address of the page (http or https)')
    .option('--title <title>', 'the title (default: the address’s host)')
    .option('--selection <text>', 'text from the page, quoted under the link')
    .action(async (url: string | undefined, opts: { title?: string; selection?: string }) => {
      if (url === undefined) {
        ctx.io.out(blogmark.helpInformation());
        return;
      }
      const r = await ctx.call('blogmarks.capture', {
        url,
        title: opts.title,
        selection: opts.selection,
        via: 'cli',
      });
      ctx.emit(r, () => describeBlogmark(r));
    });

  blogmark
    .command('bookmarklet')
    .description('print the bookmarklet that sends the page open in your browser to bds (it holds no secret)')
    .option(
      '--port <n>',
      `the port of \`bds serve\` (default: the running server's, else ${DEFAULT_APP_PORT})`,
      port,
    )
    .action(async (opts: { port?: number }) =>
      ctx.withWorkspace(async (ws) => {
        const running = opts.port === undefined ? readServerFile(ws.home, ws.project.settings.id) : undefined;
        const origin = running
          ? new URL(running.url).origin
          : `http://127.0.0.1:${opts.port ?? DEFAULT_APP_PORT}`;
        const r = await ws.call('blogmarks.bookmarklet', { origin }, { caller: 'cli' });
        ctx.emit(r, () =>
          [
            r.bookmarklet,
            '',
            'Make a bookmark with the line above as its address (or drag it from Settings → Project in the app).',
            `On any page it opens ${r.target} to confirm; \`bds serve\` must be running on that port,`,
            'and Save works in the browser where you opened the app.',
          ].join('\n'),
        );
      }),
    );

  blogmark
    .command('transforms')
    .description('the transform scripts a capture runs now, in order, and those it passes over')
    .action(async () => {
      const plan = await ctx.call('blogmarks.transforms', {});
      ctx.emit(plan, () =>
        [
          plan.run.length
            ? plan.run
                .map((s, i) => `${i + 1}. ${s.slug} (order ${s.order})  ${escapeControl(s.title)}`)
                .join('\n')
            : 'No transform runs: a capture makes the draft as it is.',
          ...plan.skipped.map(
            (s) =>
              `   ${s.slug}: not run (${s.reason === 'untrusted' ? 'not trusted: bds script trust ' + s.slug : 'disabled'})`,
          ),
        ].join('\n'),
      );
    });
}
