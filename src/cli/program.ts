// The `bds` command: thin glue over src/app. Every command opens the project into a Workspace,
// calls one use case, prints text (or JSON with --json) and sets the exit code.
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import fs from 'node:fs';
import path from 'node:path';
import { ProjectRegistry, resolveProjectDir } from '../app/registry.js';
import { Workspace } from '../app/workspace.js';
import { BdsError, type Problem } from '../core/errors.js';
import { initProject } from '../content/project.js';
import type { Post } from '../content/posts/post-store.js';
import type { PostRow } from '../store/index.js';
import { printError, printJson, table, type CliIO } from './output.js';
import { COMMAND_MODULES } from './commands/index.js';
import { createDefaultProject } from './welcome.js';

interface GlobalOptions {
  project?: string;
  json?: boolean;
}

/** What a command module needs from the program: open the project, print, set the exit code. */
export interface CliContext {
  io: CliIO;
  json(): boolean;
  withWorkspace<T>(fn: (ws: Workspace) => T | Promise<T>): Promise<T>;
  emit(json: unknown, human: () => string): void;
  setExitCode(code: number): void;
}

export type CommandModule = (program: Command, ctx: CliContext) => void;

const collect = (value: string, previous: string[] = []) => [...previous, value];

export async function runCli(argv: string[], io: CliIO): Promise<number> {
  const program = new Command();
  let exitCode = 0;
  const registry = new ProjectRegistry(io.env.BDS_HOME ? path.resolve(io.cwd, io.env.BDS_HOME) : undefined);

  const globals = (): GlobalOptions => program.opts<GlobalOptions>();

  /** Open the project the global options point at, run `fn`, close it. */
  async function withWorkspace<T>(fn: (ws: Workspace) => T | Promise<T>): Promise<T> {
    const dir = resolveProjectDir({
      project: globals().project,
      cwd: io.cwd,
      registry,
      createDefault: (d) => createDefaultProject(d, registry.home),
    });
    // Trust, the Python snapshot and the registry all live in the same BDS_HOME.
    const ws = Workspace.open(dir, { home: registry.home });
    try {
      registry.remember(ws.project);
      return await fn(ws);
    } finally {
      await ws.close();
    }
  }

  function emit(json: unknown, human: () => string): void {
    if (globals().json) printJson(io, json);
    else {
      const text = human();
      if (text) io.out(text);
    }
  }

  function warnProblems(ws: Workspace): void {
    if (globals().json) return;
    const problems = ws.problems();
    if (problems.length > 0) {
      io.err(`warning: ${problems.length} file(s) could not be loaded; run \`bds problems\` for details`);
    }
  }

  program
    .name('bds')
    .description('bds: a local-first blogging workspace with Python scripting')
    .option(
      '--project <dir>',
      'project folder (default: the current folder if it holds bds.json, else the default project)',
    )
    .option('--json', 'machine-readable output')
    .showHelpAfterError()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .exitOverride();

  program.action(async () => {
    io.out(program.helpInformation());
    await withWorkspace((ws) => {
      const counts = countByStatus(ws.listPosts());
      const summary = {
        project: ws.project.settings.name,
        path: ws.root,
        posts: counts,
        problems: ws.problems().length,
      };
      emit(summary, () =>
        [
          `Project: ${summary.project}`,
          `  folder:   ${summary.path}`,
          `  posts:    ${counts.published} published, ${counts.draft} drafts, ${counts.archived} archived`,
          summary.problems ? `  problems: ${summary.problems} (run \`bds problems\`)` : '',
        ]
          .filter(Boolean)
          .join('\n'),
      );
    });
  });

  program
    .command('init <dir>')
    .description('create a new project folder')
    .option('--name <name>', 'project name')
    .option('--timezone <tz>', 'IANA timezone for post dates and URLs', 'UTC')
    .action((dir: string, opts: { name?: string; timezone: string }) => {
      const project = initProject(path.resolve(io.cwd, dir), { name: opts.name, timezone: opts.timezone });
      registry.remember(project);
      emit(
        { path: project.root, id: project.settings.id, name: project.settings.name },
        () => `Created project ${project.settings.name} in ${project.root}`,
      );
    });

  const projectCmd = program.command('project').description('known projects');
  projectCmd
    .command('list')
    .description('list the projects bds knows')
    .action(() => {
      const reg = registry.read();
      emit(
        reg,
        () =>
          table(reg.projects.map((p) => [p.path === reg.defaultProject ? '*' : ' ', p.name, p.path])) ||
          'No projects yet.',
      );
    });
  projectCmd
    .command('default <dir>')
    .description('make a project the default')
    .action((dir: string) => {
      registry.setDefault(path.resolve(io.cwd, dir));
      emit(
        { defaultProject: path.resolve(io.cwd, dir) },
        () => `Default project: ${path.resolve(io.cwd, dir)}`,
      );
    });

  // ------------------------------------------------------------------ posts
  const post = program.command('post').description('create, list and publish posts');
  post
    .command('new')
    .description('create a post (a draft unless --publish)')
    .requiredOption('--title <title>', 'title')
    .option('--body-file <file>', 'Markdown body from a file ("-" for standard input)')
    .option('--body <text>', 'Markdown body')
    .option('--slug <slug>', 'slug (default: from the title)')
    .option('--tag <tag>', 'tag (repeatable)', collect)
    .option('--category <category>', 'category (repeatable)', collect)
    .option('--excerpt <text>', 'excerpt')
    .option('--publish', 'publish now')
    .action(async (opts: PostOpts & { title: string; publish?: boolean }) =>
      withWorkspace((ws) => {
        const created = ws.createPost({
          title: opts.title,
          body: readBody(opts, io),
          slug: opts.slug,
          tags: opts.tag,
          categories: opts.category,
          excerpt: opts.excerpt,
          publish: opts.publish,
        });
        emit(postJson(created), () => `Created ${created.status} post ${created.slug} (${created.path})`);
      }),
    );
  post
    .command('edit <slug>')
    .description('change a post (edits of a published post wait until `bds post publish`)')
    .option('--title <title>', 'title')
    .option('--body-file <file>', 'Markdown body from a file ("-" for standard input)')
    .option('--body <text>', 'Markdown body')
    .option('--slug <slug>', 'new slug (drafts that were never published only)')
    .option('--tag <tag>', 'replace the tags (repeatable)', collect)
    .option('--category <category>', 'replace the categories (repeatable)', collect)
    .option('--excerpt <text>', 'excerpt ("" to remove)')
    .action(async (slug: string, opts: PostOpts & { title?: string }) =>
      withWorkspace((ws) => {
        const updated = ws.updatePost(slug, {
          title: opts.title,
          body: readBody(opts, io),
          slug: opts.slug,
          tags: opts.tag,
          categories: opts.category,
          excerpt: opts.excerpt,
        });
        emit(postJson(updated), () =>
          updated.pending
            ? `Saved pending edits of ${updated.slug} (publish to apply them)`
            : `Updated ${updated.slug}`,
        );
      }),
    );
  post
    .command('list')
    .description('list posts, newest first')
    .addOption(
      new Option('--status <status>', 'only this status').choices(['draft', 'published', 'archived']),
    )
    .option('--tag <tag>', 'only posts with this tag')
    .option('--category <category>', 'only posts in this category')
    .option('--limit <n>', 'at most this many', (v) => positiveInt(v, '--limit'))
    .action(async (opts: { status?: string; tag?: string; category?: string; limit?: number }) =>
      withWorkspace((ws) => {
        const rows = ws.listPosts({
          status: opts.status,
          tag: opts.tag,
          category: opts.category,
          limit: opts.limit,
        });
        emit(
          rows.map((r) => postJson(r, false)),
          () =>
            rows.length === 0
              ? 'No posts.'
              : table(rows.map((r) => [r.dateKey, r.status + (r.hasDraft ? '*' : ''), r.slug, r.title])),
        );
        warnProblems(ws);
      }),
    );
  post
    .command('show <slug>')
    .description('show a post with its body')
    .action(async (slug: string) =>
      withWorkspace((ws) => {
        const p = ws.getPost(slug);
        emit(postJson(p), () =>
          [
            `${p.title}`,
            `  slug: ${p.slug}   status: ${p.status}${p.pending ? ' (pending edits)' : ''}   file: ${p.path}`,
            `  created: ${p.createdAt}${p.publishedAt ? `   published: ${p.publishedAt}` : ''}`,
            ...(p.tags.length ? [`  tags: ${p.tags.join(', ')}`] : []),
            ...(p.categories.length ? [`  categories: ${p.categories.join(', ')}`] : []),
            '',
            p.body,
          ].join('\n'),
        );
      }),
    );
  const simple: [string, string, (ws: Workspace, ref: string) => unknown, (r: never) => string][] = [
    [
      'publish',
      'publish a post (or its pending edits)',
      (ws, s) => ws.publishPost(s),
      (p: Post) => `Published ${p.slug}`,
    ],
    [
      'unpublish',
      'turn a published post back into a draft',
      (ws, s) => ws.unpublishPost(s),
      (p: Post) => `Unpublished ${p.slug}`,
    ],
    ['archive', 'archive a post', (ws, s) => ws.archivePost(s), (p: Post) => `Archived ${p.slug}`],
    [
      'discard',
      'discard the pending edits of a published post',
      (ws, s) => ws.discardPendingEdits(s),
      (p: Post) => `Discarded pending edits of ${p.slug}`,
    ],
    [
      'delete',
      'delete a post and its file',
      (ws, s) => ws.deletePost(s),
      (p: { slug: string }) => `Deleted ${p.slug}`,
    ],
  ];
  for (const [name, description, run, say] of simple) {
    post
      .command(`${name} <slug>`)
      .description(description)
      .action(async (slug: string) =>
        withWorkspace((ws) => {
          const result = run(ws, slug) as Post;
          emit('body' in result ? postJson(result) : result, () => say(result as never));
        }),
      );
  }

  program
    .command('search <query...>')
    .description('full-text search over titles, excerpts, bodies, tags and categories')
    .option('--limit <n>', 'at most this many', (v) => positiveInt(v, '--limit'), 20)
    .action(async (words: string[], opts: { limit: number }) =>
      withWorkspace((ws) => {
        const hits = ws.searchPosts(words.join(' '), { limit: opts.limit });
        emit(hits, () =>
          hits.length === 0 ? 'No matches.' : table(hits.map((h) => [h.status, h.slug, h.title, h.snippet])),
        );
      }),
    );

  program
    .command('rebuild')
    .description('recreate the index from the project files')
    .action(async () =>
      withWorkspace(async (ws) => {
        const r = await ws.rebuildTask();
        emit({ posts: r.posts.indexed, problems: r.posts.problems, ms: Math.round(r.ms) }, () =>
          [
            `Indexed ${r.posts.indexed} posts, ${r.media.indexed} media and ${r.scripts.indexed} scripts in ${Math.round(r.ms)} ms`,
            ...r.posts.problems.map(problemLine),
          ].join('\n'),
        );
        if (r.posts.problems.length > 0) exitCode = 1;
      }),
    );

  program
    .command('problems')
    .description('files that could not be loaded, with file and line')
    .action(async () =>
      withWorkspace((ws) => {
        const problems = ws.problems();
        emit(problems, () => (problems.length === 0 ? 'No problems.' : problems.map(problemLine).join('\n')));
        if (problems.length > 0) exitCode = 1;
      }),
    );

  // ------------------------------------------------------------------ tags and categories
  const tag = program.command('tag').description('tags');
  tag
    .command('list')
    .description('tags with their post counts')
    .action(async () =>
      withWorkspace((ws) => {
        const tags = ws.listTags();
        emit(tags, () =>
          tags.length === 0 ? 'No tags.' : table(tags.map((t) => [t.name, String(t.count), t.color ?? ''])),
        );
      }),
    );
  tag
    .command('rename <from> <to>')
    .description('rename a tag in every post')
    .action(async (from: string, to: string) =>
      withWorkspace((ws) => {
        const n = ws.renameTag(from, to);
        emit({ changedPosts: n }, () => `Renamed ${from} to ${to} in ${n} file(s)`);
      }),
    );
  tag
    .command('merge <target> <sources...>')
    .description('merge tags into one')
    .action(async (target: string, sources: string[]) =>
      withWorkspace((ws) => {
        const n = ws.mergeTags(sources, target);
        emit({ changedPosts: n }, () => `Merged ${sources.join(', ')} into ${target} in ${n} file(s)`);
      }),
    );
  tag
    .command('color <name> <colour>')
    .description('set a tag colour (#rrggbb)')
    .action(async (name: string, colour: string) =>
      withWorkspace((ws) => {
        ws.setTagColor(name, colour);
        emit({ name, color: colour }, () => `Tag ${name} is now ${colour}`);
      }),
    );

  const category = program.command('category').description('categories');
  category
    .command('list')
    .description('categories with their metadata and post counts')
    .action(async () =>
      withWorkspace((ws) => {
        const cats = ws.listCategories();
        emit(cats, () =>
          table(
            cats.map((c) => [
              c.name,
              c.meta.title,
              String(c.count),
              c.meta.renderInLists ? 'in lists' : 'not in lists',
              c.meta.showTitle ? 'shows title' : 'hides title',
            ]),
          ),
        );
      }),
    );
  category
    .command('set <name>')
    .description('create or change a category')
    .option('--title <title>', 'display title')
    .option('--render-in-lists <bool>', 'show its posts in lists (true|false)', parseBool)
    .option('--show-title <bool>', 'show post titles (true|false)', parseBool)
    .action(async (name: string, opts: { title?: string; renderInLists?: boolean; showTitle?: boolean }) =>
      withWorkspace((ws) => {
        const meta = ws.setCategory(name, stripUndefined(opts));
        emit({ name, ...meta }, () => `Category ${name}: ${JSON.stringify(meta)}`);
      }),
    );

  const ctx: CliContext = {
    io,
    json: () => Boolean(globals().json),
    withWorkspace,
    emit,
    setExitCode: (code) => (exitCode = code),
  };
  for (const module of COMMAND_MODULES) module(program, ctx);

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.exitCode === 0 ? 0 : 2;
    }
    printError(io, e, Boolean(globals().json));
    return 1;
  }
}

interface PostOpts {
  bodyFile?: string;
  body?: string;
  slug?: string;
  tag?: string[];
  category?: string[];
  excerpt?: string;
}

function readBody(opts: PostOpts, io: CliIO): string | undefined {
  if (opts.body !== undefined && opts.bodyFile !== undefined) {
    throw new BdsError('invalid-argument', 'Use either --body or --body-file, not both');
  }
  if (opts.body !== undefined) return opts.body.endsWith('\n') ? opts.body : `${opts.body}\n`;
  if (opts.bodyFile === undefined) return undefined;
  const file = opts.bodyFile === '-' ? 0 : path.resolve(io.cwd, opts.bodyFile);
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (cause) {
    throw new BdsError(
      'invalid-argument',
      `Cannot read --body-file ${opts.bodyFile}: ${(cause as Error).message}`,
      { cause },
    );
  }
}

function postJson(p: PostRow | Post, withBody = true): Record<string, unknown> {
  const { mtimeMs: _m, size: _s, bodyLine: _b, sortDate: _d, body, ...rest } = p;
  return withBody ? { ...rest, body } : rest;
}

function countByStatus(rows: PostRow[]): Record<'draft' | 'published' | 'archived', number> {
  const out = { draft: 0, published: 0, archived: 0 };
  for (const r of rows) out[r.status as keyof typeof out]++;
  return out;
}

function problemLine(p: Problem): string {
  const loc = p.line ? `${p.file}:${p.line}` : p.file;
  return `${loc}: ${p.message.startsWith(p.file) ? p.message.slice(p.message.indexOf(':') + 1).trim() : p.message} [${p.code}]`;
}

function positiveInt(v: string, name: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError(`${name} must be a positive integer, not "${v}"`);
  return n;
}

function parseBool(v: string): boolean {
  if (v === 'true' || v === 'yes' || v === '1') return true;
  if (v === 'false' || v === 'no' || v === '0') return false;
  throw new InvalidArgumentError(`expected true or false, not "${v}"`);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
