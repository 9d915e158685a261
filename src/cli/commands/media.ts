// `bds media ...`: import files with sidecars and thumbnails, list, search, see where one is used, link
// to posts, edit, replace a file, delete.
import path from 'node:path';
import type { Command } from 'commander';
import type { OutputOf } from '../../app/index.js';
import { ProgressBar, table } from '../output.js';
import type { CliContext } from '../context.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

function row(m: OutputOf<'media.get'>): string[] {
  const dims = m.width && m.height ? `${m.width}x${m.height}` : '';
  return [m.id, m.mimeType, dims, m.originalName, m.title ?? ''];
}

export function mediaCommands(program: Command, ctx: CliContext): void {
  const media = program.command('media').description('media files with YAML sidecars and thumbnails');

  media
    .command('import <files...>')
    .description('copy files to media/YYYY/MM/ID.ext with a sidecar and WebP thumbnails (150/400/800)')
    .option('--title <title>', 'title')
    .option('--alt <text>', 'alternative text')
    .option('--caption <text>', 'caption')
    .option('--tag <tag>', 'tag (repeatable)', collect)
    .option('--post <slug>', 'link the imported files to this post, in order')
    .action(
      async (
        files: string[],
        opts: { title?: string; alt?: string; caption?: string; tag?: string[]; post?: string },
      ) => {
        const bar = new ProgressBar(ctx.io, 'Importing');
        let results: OutputOf<'media.import'>['results'];
        try {
          ({ results } = await ctx.call(
            'media.import',
            {
              files: files.map((f) => path.resolve(ctx.io.cwd, f)),
              title: opts.title,
              alt: opts.alt,
              caption: opts.caption,
              tags: opts.tag,
              post: opts.post,
            },
            { onProgress: (percent, file) => bar.update(percent, 100, file) },
          ));
        } finally {
          bar.done();
        }
        const ok = results.filter((r) => r.record);
        ctx.emit(results, () =>
          results
            .map((r) => (r.record ? `imported ${r.file} → ${r.record.path}` : `failed ${r.file}: ${r.error}`))
            .join('\n'),
        );
        if (ok.length < results.length) ctx.setExitCode(1);
      },
    );

  media
    .command('list')
    .description('media, newest first')
    .option('--post <slug>', 'only media linked to this post, in order')
    .action(async (opts: { post?: string }) => {
      const list = opts.post
        ? await ctx.call('media.linked', { post: opts.post })
        : await ctx.call('media.list', {});
      ctx.emit(list, () => (list.length === 0 ? 'No media.' : table(list.map(row))));
    });

  media
    .command('show <id>')
    .description('one media file with its metadata and the posts it is linked to')
    .action(async (id: string) => {
      const m = await ctx.call('media.get', { id });
      ctx.emit(m, () => JSON.stringify(m, null, 2));
    });

  media
    .command('search <query...>')
    .description('full-text search over names, titles, alt texts, captions and tags')
    .action(async (words: string[]) => {
      const list = await ctx.call('media.search', { query: words.join(' ') });
      ctx.emit(list, () => (list.length === 0 ? 'No matches.' : table(list.map(row))));
    });

  media
    .command('usage <id>')
    .description('posts that link a media file or name its id in their body, newest first')
    .action(async (id: string) => {
      const list = await ctx.call('media.usage', { id });
      ctx.emit(list, () =>
        list.length === 0
          ? 'No post uses it.'
          : table(
              list.map((p) => [
                p.slug,
                p.status,
                [p.linked ? 'linked' : '', p.inBody ? 'in body' : ''].filter(Boolean).join(', '),
                p.title,
              ]),
            ),
      );
    });

  media
    .command('replace <id> <file>')
    .description('put a new file of the same type in place of a media file (id, metadata and links kept)')
    .action(async (id: string, file: string) => {
      const m = await ctx.call('media.replace', { id, file: path.resolve(ctx.io.cwd, file) });
      ctx.emit(m, () => `Replaced ${m.path} with ${file}`);
    });

  media
    .command('set <id>')
    .description('change title, alt text, caption or tags (rewrites the sidecar)')
    .option('--title <title>', 'title ("" to remove)')
    .option('--alt <text>', 'alternative text')
    .option('--caption <text>', 'caption')
    .option('--tag <tag>', 'replace the tags (repeatable)', collect)
    .action(async (id: string, opts: { title?: string; alt?: string; caption?: string; tag?: string[] }) => {
      const m = await ctx.call('media.update', {
        id,
        title: opts.title,
        alt: opts.alt,
        caption: opts.caption,
        tags: opts.tag,
      });
      ctx.emit(m, () => `Updated ${m.path}`);
    });

  media
    .command('link <post> <ids...>')
    .description('link media to a post, in order (the gallery macro shows them)')
    .option('--replace', 'replace the linked media instead of appending')
    .action(async (post: string, ids: string[], opts: { replace?: boolean }) => {
      const r = await ctx.call('media.link', { post, ids, replace: opts.replace });
      ctx.emit(
        { post: r.post, media: r.media },
        () =>
          `${r.post} links ${r.media.length} media file(s)${r.pending ? ' (pending edits: publish to apply)' : ''}`,
      );
    });

  media
    .command('unlink <post> <ids...>')
    .description('unlink media from a post')
    .action(async (post: string, ids: string[]) => {
      const r = await ctx.call('media.unlink', { post, ids });
      ctx.emit({ post: r.post }, () => `Unlinked from ${r.post}`);
    });

  media
    .command('delete <id>')
    .description('delete a media file, its sidecar and thumbnails, and unlink it from posts')
    .action(async (id: string) => {
      const m = await ctx.call('media.delete', { id });
      ctx.emit({ id: m.id, path: m.path }, () => `Deleted ${m.path}`);
    });

  media
    .command('thumbnails')
    .description('recreate missing thumbnails (all of them with --force)')
    .option('--force', 'recreate every thumbnail')
    .action(async (opts: { force?: boolean }) => {
      const r = await ctx.call('media.thumbnails', { force: opts.force });
      ctx.emit(r, () => `Wrote ${r.written} thumbnail(s)`);
    });
}
