// `bds media ...`: import files with sidecars and thumbnails, list, search, link to posts, edit, delete.
import path from 'node:path';
import type { Command } from 'commander';
import type { MediaRecord } from '../../content/media/index.js';
import { ProgressBar, table } from '../output.js';
import type { CliContext } from '../program.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

function row(m: MediaRecord): string[] {
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
      ) =>
        ctx.withWorkspace(async (ws) => {
          const bar = new ProgressBar(ctx.io, 'Importing');
          const results = await ws.importMedia(
            files.map((f) => path.resolve(ctx.io.cwd, f)),
            { title: opts.title, alt: opts.alt, caption: opts.caption, tags: opts.tag },
            (done, total, file) => bar.update(done, total, path.basename(file)),
          );
          bar.done();
          const ok = results.flatMap((r) => (r.record ? [r.record] : []));
          if (opts.post && ok.length > 0)
            ws.linkMedia(
              opts.post,
              ok.map((r) => r.id),
            );
          ctx.emit(results, () =>
            results
              .map((r) =>
                r.record ? `imported ${r.file} → ${r.record.path}` : `failed ${r.file}: ${r.error}`,
              )
              .join('\n'),
          );
          if (ok.length < results.length) ctx.setExitCode(1);
        }),
    );

  media
    .command('list')
    .description('media, newest first')
    .option('--post <slug>', 'only media linked to this post, in order')
    .action(async (opts: { post?: string }) =>
      ctx.withWorkspace((ws) => {
        const list = opts.post ? ws.linkedMedia(ws.getPost(opts.post).id) : ws.listMedia();
        ctx.emit(list, () => (list.length === 0 ? 'No media.' : table(list.map(row))));
      }),
    );

  media
    .command('show <id>')
    .description('one media file with its metadata and the posts it is linked to')
    .action(async (id: string) =>
      ctx.withWorkspace((ws) => {
        const m = ws.getMedia(id);
        ctx.emit(m, () => JSON.stringify(m, null, 2));
      }),
    );

  media
    .command('search <query...>')
    .description('full-text search over names, titles, alt texts, captions and tags')
    .action(async (words: string[]) =>
      ctx.withWorkspace((ws) => {
        const list = ws.searchMedia(words.join(' '));
        ctx.emit(list, () => (list.length === 0 ? 'No matches.' : table(list.map(row))));
      }),
    );

  media
    .command('set <id>')
    .description('change title, alt text, caption or tags (rewrites the sidecar)')
    .option('--title <title>', 'title ("" to remove)')
    .option('--alt <text>', 'alternative text')
    .option('--caption <text>', 'caption')
    .option('--tag <tag>', 'replace the tags (repeatable)', collect)
    .action(async (id: string, opts: { title?: string; alt?: string; caption?: string; tag?: string[] }) =>
      ctx.withWorkspace((ws) => {
        const m = ws.updateMedia(id, {
          title: opts.title,
          alt: opts.alt,
          caption: opts.caption,
          tags: opts.tag,
        });
        ctx.emit(m, () => `Updated ${m.path}`);
      }),
    );

  media
    .command('link <post> <ids...>')
    .description('link media to a post, in order (the gallery macro shows them)')
    .option('--replace', 'replace the linked media instead of appending')
    .action(async (post: string, ids: string[], opts: { replace?: boolean }) =>
      ctx.withWorkspace((ws) => {
        const p = ws.linkMedia(post, ids, { replace: opts.replace });
        const media = (p.pending?.data.media as string[] | undefined) ?? p.media;
        ctx.emit(
          { post: p.slug, media },
          () =>
            `${p.slug} links ${media.length} media file(s)${p.pending ? ' (pending edits: publish to apply)' : ''}`,
        );
      }),
    );

  media
    .command('unlink <post> <ids...>')
    .description('unlink media from a post')
    .action(async (post: string, ids: string[]) =>
      ctx.withWorkspace((ws) => {
        const p = ws.unlinkMedia(post, ids);
        ctx.emit({ post: p.slug }, () => `Unlinked from ${p.slug}`);
      }),
    );

  media
    .command('delete <id>')
    .description('delete a media file, its sidecar and thumbnails, and unlink it from posts')
    .action(async (id: string) =>
      ctx.withWorkspace((ws) => {
        const m = ws.deleteMedia(id);
        ctx.emit({ id: m.id, path: m.path }, () => `Deleted ${m.path}`);
      }),
    );

  media
    .command('thumbnails')
    .description('recreate missing thumbnails (all of them with --force)')
    .option('--force', 'recreate every thumbnail')
    .action(async (opts: { force?: boolean }) =>
      ctx.withWorkspace(async (ws) => {
        const n = await ws.media.regenerateThumbnails(Boolean(opts.force));
        ctx.emit({ written: n }, () => `Wrote ${n} thumbnail(s)`);
      }),
    );
}
