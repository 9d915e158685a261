// The `bds` command: thin glue over src/app. Every command parses its arguments, opens the project
// into a Workspace, calls use cases through the registry, prints text (or JSON with --json) and sets
// the exit code. No orchestration lives here.
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { createRequire } from 'node:module';
import path from 'node:path';
import {
  BdsError,
  callUserUseCase,
  escapeControl,
  formatProblem,
  ProjectRegistry,
  resolveProjectDir,
  Workspace,
  type CallContext,
  type InputOf,
  type OutputOf,
  type Problem,
  type UseCaseName,
  type UserUseCaseName,
} from '../app/index.js';
import type { CliContext } from './context.js';
import { readInputFile } from './input-file.js';
import { printError, printJson, table, type CliIO } from './output.js';
import { COMMAND_MODULES } from './commands/index.js';
import { createDefaultProject } from './welcome.js';

interface GlobalOptions {
  project?: string;
  json?: boolean;
}

/** The version in bds's package.json (two folders up from this module, in src/ and in dist/). */
function bdsVersion(): string {
  const pkg = createRequire(import.meta.url)('../../package.json') as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : 'unknown';
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export async function runCli(argv: string[], io: CliIO): Promise<number> {
  const program = new Command();
  let exitCode = 0;
  const registry = new ProjectRegistry(io.env.BDS_HOME ? path.resolve(io.cwd, io.env.BDS_HOME) : undefined);

  const globals = (): GlobalOptions => program.opts<GlobalOptions>();

  /** Open the project the global options point at, run `fn`, close it. */
  async function withWorkspace<T>(fn: (ws: Workspace) => T | Promise<T>): Promise<T> {
    let missingDefault: string | undefined;
    const dir = resolveProjectDir({
      project: globals().project,
      cwd: io.cwd,
      registry,
      createDefault: (d) => (missingDefault = d),
    });
    // The first run creates the default project, with a welcome post.
    if (missingDefault) await createDefaultProject(missingDefault, registry.home);
    // Trust, the Python snapshot and the registry all live in the same BDS_HOME.
    const ws = Workspace.open(dir, { home: registry.home });
    // A corrupt index is rebuilt from the files; the user hears of it once, here.
    if (ws.openReport.indexReset) io.err(`note: ${escapeControl(ws.openReport.indexReset)}`);
    try {
      registry.remember(ws.project);
      return await fn(ws);
    } finally {
      await ws.close();
    }
  }

  const callCtx = (ctx: CallContext = {}): CallContext => ({ caller: 'cli', env: io.env, ...ctx });

  function call<N extends UseCaseName>(name: N, input: InputOf<N>, ctx?: CallContext): Promise<OutputOf<N>> {
    return withWorkspace((ws) => ws.call(name, input, callCtx(ctx)));
  }

  function callUser<N extends UserUseCaseName>(
    name: N,
    input: InputOf<N>,
    ctx?: CallContext,
  ): Promise<OutputOf<N>> {
    return callUserUseCase(registry.home, name, input, callCtx(ctx));
  }

  function emit(json: unknown, human: () => string): void {
    if (globals().json) printJson(io, json);
    else {
      const text = human();
      if (text) io.out(text);
    }
  }

  async function warnProblems(ws: Workspace): Promise<void> {
    if (globals().json) return;
    const problems = await ws.call('project.problems', {});
    if (problems.length > 0) {
      io.err(`warning: ${problems.length} file(s) could not be loaded; run \`bds problems\` for details`);
    }
  }

  program
    .name('bds')
    .description('bds: a local-first blogging workspace with Python scripting')
    .version(bdsVersion(), '-V, --version', 'print the version of bds')
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
    await withWorkspace(async (ws) => {
      const summary = await ws.call('project.summary', {});
      const counts = summary.posts;
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
    .action(async (dir: string, opts: { name?: string; timezone: string }) => {
      const created = await callUser('projects.create', {
        dir: path.resolve(io.cwd, dir),
        name: opts.name,
        timezone: opts.timezone,
      });
      emit(created, () => `Created project ${created.name} in ${created.path}`);
    });

  const projectCmd = program.command('project').description('known projects');
  projectCmd
    .command('list')
    .description('list the projects bds knows')
    .action(async () => {
      const reg = await callUser('projects.list', {});
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
    .action(async (dir: string) => {
      const r = await callUser('projects.setDefault', { dir: path.resolve(io.cwd, dir) });
      emit(r, () => `Default project: ${r.defaultProject}`);
    });
  projectCmd
    .command('paths')
    .description('where the project keeps its data')
    .action(async () => {
      const paths = await call('project.dataPaths', {});
      emit(paths, () => table(Object.entries(paths)));
    });
  projectCmd
    .command('show [dir]')
    .description("a project's bds.json (default: the current project)")
    .action(async (dir?: string) => {
      const folderPath = dir
        ? path.resolve(io.cwd, dir)
        : resolveProjectDir({ project: globals().project, cwd: io.cwd, registry });
      // (A default project that does not exist yet is reported as not found.)
      const meta = await callUser('projects.readMetadata', { folderPath });
      emit(meta, () => JSON.stringify(meta, null, 2));
    });
  projectCmd
    .command('language')
    .description('the language of this machine (BCP 47)')
    .action(async () => {
      const language = await call('project.systemLanguage', {});
      emit({ language }, () => language);
    });
  projectCmd
    .command('default-path')
    .description('the folder of the default project')
    .action(async () => {
      const p = await callUser('projects.defaultPath', {});
      emit({ path: p }, () => p);
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
    .action(async (opts: PostOpts & { title: string; publish?: boolean }) => {
      const created = await call('posts.create', {
        title: opts.title,
        body: readBody(opts, io),
        slug: opts.slug,
        tags: opts.tag,
        categories: opts.category,
        excerpt: opts.excerpt,
        publish: opts.publish,
      });
      emit(created, () => `Created ${created.status} post ${created.slug} (${created.path})`);
    });
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
    .action(async (slug: string, opts: PostOpts & { title?: string }) => {
      const updated = await call('posts.update', {
        ref: slug,
        title: opts.title,
        body: readBody(opts, io),
        slug: opts.slug,
        tags: opts.tag,
        categories: opts.category,
        excerpt: opts.excerpt,
      });
      emit(updated, () =>
        updated.pending
          ? `Saved pending edits of ${updated.slug} (publish to apply them)`
          : `Updated ${updated.slug}`,
      );
    });
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
      withWorkspace(async (ws) => {
        const rows = await ws.call(
          'posts.list',
          {
            status: opts.status as 'draft' | 'published' | 'archived' | undefined,
            tag: opts.tag,
            category: opts.category,
            limit: opts.limit,
          },
          callCtx(),
        );
        emit(rows, () =>
          rows.length === 0
            ? 'No posts.'
            : table(rows.map((r) => [r.dateKey, r.status + (r.hasDraft ? '*' : ''), r.slug, r.title])),
        );
        await warnProblems(ws);
      }),
    );
  post
    .command('show <slug>')
    .description('show a post with its body')
    .action(async (slug: string) => {
      const p = await call('posts.get', { ref: slug });
      emit(p, () =>
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
    });
  const stateChanges = [
    ['publish', 'posts.publish', 'publish a post (or its pending edits)', 'Published'],
    ['unpublish', 'posts.unpublish', 'turn a published post back into a draft', 'Unpublished'],
    ['archive', 'posts.archive', 'archive a post', 'Archived'],
    [
      'discard',
      'posts.discard',
      'discard the pending edits of a published post',
      'Discarded pending edits of',
    ],
    ['delete', 'posts.delete', 'delete a post and its file', 'Deleted'],
  ] as const;
  for (const [command, useCase, description, said] of stateChanges) {
    post
      .command(`${command} <slug>`)
      .description(description)
      .action(async (slug: string) => {
        const result = await call(useCase, { ref: slug });
        emit(result, () => `${said} ${result.slug}`);
      });
  }

  program
    .command('search <query...>')
    .description('full-text search over titles, excerpts, bodies, tags and categories')
    .option('--limit <n>', 'at most this many', (v) => positiveInt(v, '--limit'), 20)
    .action(async (words: string[], opts: { limit: number }) => {
      const hits = await call('posts.search', { query: words.join(' '), limit: opts.limit });
      emit(hits, () =>
        hits.length === 0 ? 'No matches.' : table(hits.map((h) => [h.status, h.slug, h.title, h.snippet])),
      );
    });

  program
    .command('rebuild')
    .description('recreate the index from the project files')
    .option('--only <part>', 'only posts, media or scripts')
    .action(async (opts: { only?: string }) => {
      if (opts.only !== undefined && !['posts', 'media', 'scripts'].includes(opts.only)) {
        throw new BdsError('invalid-argument', `--only must be posts, media or scripts, got "${opts.only}"`);
      }
      const only = opts.only as 'posts' | 'media' | 'scripts' | undefined;
      const r = await call('project.rebuild', only ? { only } : {});
      const problems = [
        ...(r.posts?.problems ?? []),
        ...(r.media?.problems ?? []),
        ...(r.scripts?.problems ?? []),
      ];
      const counts = [
        r.posts && `${r.posts.indexed} posts`,
        r.media && `${r.media.indexed} media`,
        r.scripts && `${r.scripts.indexed} scripts`,
      ].filter(Boolean);
      emit(
        {
          posts: r.posts?.indexed,
          media: r.media?.indexed,
          scripts: r.scripts?.indexed,
          problems,
          ms: Math.round(r.ms),
        },
        () =>
          [
            `Indexed ${counts.join(', ').replace(/, ([^,]*)$/, ' and $1')} in ${Math.round(r.ms)} ms`,
            ...problems.map(problemLine),
          ].join('\n'),
      );
      if (problems.length > 0) exitCode = 1;
    });

  program
    .command('problems')
    .description('files that could not be loaded, with file and line')
    .action(async () => {
      const problems = await call('project.problems', {});
      emit(problems, () => (problems.length === 0 ? 'No problems.' : problems.map(problemLine).join('\n')));
      if (problems.length > 0) exitCode = 1;
    });

  // ------------------------------------------------------------------ tags and categories
  const tag = program.command('tag').description('tags');
  tag
    .command('list')
    .description('tags with their post counts')
    .action(async () => {
      const tags = await call('tags.list', {});
      emit(tags, () =>
        tags.length === 0 ? 'No tags.' : table(tags.map((t) => [t.name, String(t.count), t.color ?? ''])),
      );
    });
  tag
    .command('rename <from> <to>')
    .description('rename a tag in every post')
    .action(async (from: string, to: string) => {
      const r = await call('tags.rename', { name: from, newName: to });
      emit(r, () => rewriteSummary(`Renamed ${from} to ${to}`, r));
    });
  tag
    .command('merge <target> <sources...>')
    .description('merge tags into one')
    .action(async (target: string, sources: string[]) => {
      const r = await call('tags.merge', { sources, target });
      emit(r, () => rewriteSummary(`Merged ${sources.join(', ')} into ${target}`, r));
    });
  tag
    .command('color <name> <colour>')
    .description('set a tag colour (#rrggbb)')
    .action(async (name: string, colour: string) => {
      const r = await call('tags.setColor', { name, color: colour });
      emit(r, () => `Tag ${name} is now ${colour}`);
    });

  const category = program.command('category').description('categories');
  category
    .command('list')
    .description('categories with their metadata and post counts')
    .action(async () => {
      const cats = await call('categories.list', {});
      emit(cats, () =>
        table(
          cats.map((c) => [
            c.name,
            c.title,
            String(c.count),
            c.renderInLists ? 'in lists' : 'not in lists',
            c.showTitle ? 'shows title' : 'hides title',
          ]),
        ),
      );
    });
  category
    .command('set <name>')
    .description('create or change a category')
    .option('--title <title>', 'display title')
    .option('--render-in-lists <bool>', 'show its posts in lists (true|false)', parseBool)
    .option('--show-title <bool>', 'show post titles (true|false)', parseBool)
    .action(async (name: string, opts: { title?: string; renderInLists?: boolean; showTitle?: boolean }) => {
      const { name: _n, ...meta } = await call('categories.set', { name, ...opts });
      emit({ name, ...meta }, () => `Category ${name}: ${JSON.stringify(meta)}`);
    });

  const ctx: CliContext = {
    io,
    json: () => Boolean(globals().json),
    withWorkspace,
    call,
    callUser,
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
  return readInputFile(io, opts.bodyFile, `--body-file ${opts.bodyFile}`);
}

function problemLine(p: Pick<Problem, 'file' | 'line' | 'column' | 'message'> & { code: string }): string {
  return formatProblem(p);
}

/** What a many-file rewrite did: how many files it rewrote, and each file it skipped and why. */
function rewriteSummary(
  done: string,
  r: { rewritten: number; skipped: number; skippedFiles: Parameters<typeof problemLine>[0][] },
): string {
  if (r.skipped === 0) return `${done} in ${r.rewritten} file(s)`;
  return [
    `${done} in ${r.rewritten} file(s); skipped ${r.skipped} file(s) with problems, left unchanged:`,
    ...r.skippedFiles.map((p) => `  ${problemLine(p)}`),
  ].join('\n');
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
