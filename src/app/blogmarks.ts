// Blogmarks: a page captured from a browser (the bookmarklet), a terminal (`bds blogmark URL`) or Python
// becomes a draft post after the transform scripts have run over it. One use case for every caller; the
// bookmarklet it hands out carries no secret, only the address of this machine's bds server.
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../core/atomic.js';
import { BdsError } from '../core/errors.js';
import { isLoopbackHost } from '../site/index.js';
import {
  BLOGMARK_LIMITS,
  BLOGMARK_VIA,
  blogmarkMarkdown,
  checkBlogmark,
  type CheckedBlogmark,
} from './blogmark-input.js';
import { runTransforms, transformPlan, type PipelineResult } from './blogmark-pipeline.js';
import type { AppServices, CallContext } from './services.js';
import { PostSchema } from './schemas.js';
import { workspaceUseCase } from './use-case.js';

/** A second capture of the same address within this time answers with the first draft. */
export const SAME_URL_WINDOW_MS = 60_000;

const StepSchema = z.object({ id: z.string(), slug: z.string(), title: z.string(), order: z.number() });
const SkippedSchema = StepSchema.extend({ reason: z.enum(['disabled', 'untrusted']) });
const AppliedSchema = StepSchema.extend({ changed: z.boolean(), ms: z.number() });
const FailedSchema = StepSchema.extend({
  code: z.string(),
  message: z.string(),
  line: z.number().optional(),
});
const ToastSchema = z.object({ script: z.string(), message: z.string() });

const PlanSchema = z.object({ run: z.array(StepSchema), skipped: z.array(SkippedSchema) });

/** What a capture did, apart from the post: kept with a recent capture so a repeat can answer with it. */
const OutcomeSchema = z.object({
  applied: z.array(AppliedSchema),
  skipped: z.array(SkippedSchema),
  errors: z.array(FailedSchema),
  toasts: z.array(ToastSchema),
  toastsDropped: z.number(),
});
type Outcome = z.infer<typeof OutcomeSchema>;

const ReportSchema = OutcomeSchema.extend({
  post: PostSchema,
  /** True when this address was captured less than a minute ago: `post` is that draft, nothing ran. */
  duplicate: z.boolean(),
  ms: z.number(),
});
type Report = z.input<typeof ReportSchema>;

// ------------------------------------------------------------------ recent captures

const RecentSchema = z.array(
  z.object({ url: z.string(), postId: z.string(), at: z.number(), outcome: OutcomeSchema }),
);
type Recent = z.infer<typeof RecentSchema>;

/**
 * Captures of the last minute, in the index folder (.bds/): a memo across processes (the CLI and the
 * server), read and written under the write lock, and worth nothing after a minute. An unreadable memo
 * is a memo of nothing; the next capture writes it again.
 */
function recentFile(app: Pick<AppServices, 'project'>): string {
  return path.join(app.project.paths.cache, 'blogmarks-recent.json');
}

function readRecent(app: Pick<AppServices, 'project'>, now: number): Recent {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(recentFile(app), 'utf8'));
  } catch {
    return [];
  }
  const parsed = RecentSchema.safeParse(raw);
  return parsed.success ? parsed.data.filter((r) => now - r.at >= 0 && now - r.at < SAME_URL_WINDOW_MS) : [];
}

/** The draft of a capture of `url` within the last minute, if it is still there. */
function recentCapture(app: Pick<AppServices, 'project' | 'posts'>, url: string, now: number) {
  for (const r of readRecent(app, now)) {
    if (r.url !== url) continue;
    const post = app.posts.find(r.postId);
    if (post) return { post, outcome: r.outcome };
  }
  return undefined;
}

function remember(app: Pick<AppServices, 'project'>, entry: Recent[number]): void {
  const kept = readRecent(app, entry.at).filter((r) => r.url !== entry.url);
  fs.mkdirSync(app.project.paths.cache, { recursive: true });
  writeFileAtomic(recentFile(app), `${JSON.stringify([...kept, entry])}\n`, { durable: false });
}

// ------------------------------------------------------------------ the capture

const CaptureInput = z.object({
  url: z.string().describe('the address of the page (http or https)'),
  title: z.string().optional().describe('the title (default: the address’s host)'),
  selection: z.string().optional().describe('text selected on the page, quoted under the link'),
  via: z.enum(BLOGMARK_VIA).optional().describe('how it arrived (default api)'),
});

function startingPost(app: AppServices, b: CheckedBlogmark) {
  return {
    title: b.title,
    content: blogmarkMarkdown(b),
    tags: [] as string[],
    categories: [app.project.settings.blogmarkCategory],
  };
}

function duplicateReport(found: { post: unknown; outcome: Outcome }, t0: number): Report {
  return {
    ...found.outcome,
    post: found.post as Report['post'],
    duplicate: true,
    ms: performance.now() - t0,
  };
}

async function capture(
  app: AppServices,
  input: z.output<typeof CaptureInput>,
  ctx: CallContext,
): Promise<Report> {
  const t0 = performance.now();
  const b = checkBlogmark(input);
  const earlier = recentCapture(app, b.url, Date.now());
  if (earlier) return duplicateReport(earlier, t0);

  const plan = transformPlan(app);
  const context = {
    source: 'blogmark',
    url: b.url,
    title: b.title,
    selection: b.selection,
    via: input.via ?? 'api',
  };
  let result: PipelineResult;
  if (plan.run.length === 0) {
    result = { post: startingPost(app, b), applied: [], errors: [], toasts: [], toastsDropped: 0, runs: [] };
  } else {
    // A capture asked from Python waits for the script that asked: its transforms need another interpreter.
    const separate = ctx.caller === 'python' ? app.separatePython(1) : undefined;
    try {
      result = await runTransforms(
        app,
        separate ?? app.python(),
        plan,
        startingPost(app, b),
        context,
        ctx.signal,
      );
    } finally {
      await separate?.dispose();
    }
  }
  if (ctx.signal?.aborted)
    throw new BdsError('task-cancelled', 'The blogmark was cancelled; no post was made');

  const outcome: Outcome = {
    applied: result.applied,
    skipped: plan.skipped,
    errors: result.errors,
    toasts: result.toasts,
    toastsDropped: result.toastsDropped,
  };
  return app.writeLocked(() => {
    // Two captures of one address may have run side by side: the second to get here answers with the first.
    const now = Date.now();
    const other = recentCapture(app, b.url, now);
    if (other) return duplicateReport(other, t0);
    const settings = app.project.settings;
    const post = app.transaction(() => {
      const created = app.posts.create({
        title: result.post.title,
        // Transforms hand back trimmed text; a Markdown file ends with a line break.
        body: `${result.post.content.replace(/\s+$/, '')}\n`,
        tags: result.post.tags,
        categories: result.post.categories,
        ...(result.post.excerpt ? { excerpt: result.post.excerpt } : {}),
        ...(settings.defaultAuthor ? { author: settings.defaultAuthor } : {}),
        language: settings.mainLanguage,
      });
      for (const run of result.runs) if (app.scripts.find(run.scriptId)) app.scripts.addRun(run);
      return created;
    });
    remember(app, { url: b.url, postId: post.id, at: now, outcome });
    app.changed('posts-changed', [post.path]);
    app.emit('blogmark-created', { postId: post.id, url: b.url });
    return { ...outcome, post: post as Report['post'], duplicate: false, ms: performance.now() - t0 };
  });
}

export const captureBlogmark = workspaceUseCase({
  name: 'blogmarks.capture',
  description:
    'Make a draft post of a web page: a link under its title with the selection quoted, after the enabled, trusted transform scripts ran over it (in their order). Reports what ran, what was skipped, what failed and the toasts; the same address again within a minute answers with the first draft.',
  input: CaptureInput,
  output: ReportSchema,
  readOnly: false,
  waits: true,
  // The transforms run outside the write lock (a runaway one holds up no save); the post is written under it.
  serial: false,
  errors: ['blogmark-invalid', 'python-load-failed', 'task-cancelled', 'io-error'],
  http: { method: 'POST', path: '/api/blogmarks' },
  python: {
    method: 'blogmarks.capture',
    params: CaptureInput.omit({ via: true }),
    toInput: (a) => ({ ...a, via: 'python' }),
  },
  run: capture,
});

export const blogmarkTransforms = workspaceUseCase({
  name: 'blogmarks.transforms',
  description:
    'The transform scripts a blogmark runs now, in order, and those it passes over (disabled, or not trusted).',
  input: z.object({}),
  output: PlanSchema,
  readOnly: true,
  errors: [],
  http: { method: 'GET', path: '/api/blogmarks/transforms' },
  run: (app) => {
    const plan = transformPlan(app);
    return {
      run: plan.run.map((s) => ({ id: s.id, slug: s.slug, title: s.title, order: s.order })),
      skipped: plan.skipped,
    };
  },
});

// ------------------------------------------------------------------ the bookmarklet

/** A page's address longer than this may not reach the server (request headers are limited to 16 KB). */
const MAX_BOOKMARKLET_URL = 8000;

function appOrigin(origin: string): string {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    throw new BdsError('invalid-argument', `"origin" ${JSON.stringify(origin)} is not an address`);
  }
  if (url.protocol !== 'http:' || !isLoopbackHost(url.host) || url.origin !== origin.replace(/\/$/, '')) {
    throw new BdsError(
      'invalid-argument',
      `"origin" must be the address of the bds app on this machine, such as http://127.0.0.1:4120, not ${origin}`,
    );
  }
  return url.origin;
}

/**
 * The bookmarklet: it opens `ORIGIN/blogmark?url&title&selection` in a new window (a top-level
 * navigation, which browsers let through to loopback where a fetch from a public page is blocked). No
 * token: the page it opens writes nothing, and its Save needs the cookie of the app.
 */
export function bookmarklet(origin: string): string {
  const target = `${appOrigin(origin)}/blogmark`;
  // No %: a browser percent-decodes a javascript: address before it runs it.
  const code = [
    '(function(){',
    "var e=encodeURIComponent,d=document,w=window,c='',u,",
    `s=String(w.getSelection?w.getSelection():'').slice(0,${BLOGMARK_LIMITS.selection}),`,
    `t=String(d.title).slice(0,1000);`,
    'for(;;){',
    `u=${JSON.stringify(target)}+'?url='+e(location.href)+'&title='+e(t)+'&selection='+e(s)+c;`,
    `if(u.length<=${MAX_BOOKMARKLET_URL}||!s)break;`,
    "s=s.slice(0,Math.floor(s.length*0.7));c='&cut=1'}",
    "if(!w.open(u,'_blank'))location.href=u",
    '})()',
  ].join('');
  return `javascript:${code}`;
}

export const blogmarkBookmarklet = workspaceUseCase({
  name: 'blogmarks.bookmarklet',
  description:
    'The bookmarklet that sends the page open in a browser to this bds app (no secret in it: the page it opens asks before saving).',
  input: z.object({
    origin: z.string().describe('the address of the bds app, such as http://127.0.0.1:4120'),
  }),
  output: z.object({ bookmarklet: z.string(), target: z.string() }),
  readOnly: true,
  errors: ['invalid-argument'],
  http: { method: 'GET', path: '/api/blogmarks/bookmarklet' },
  run: (_app, { origin }) => ({ bookmarklet: bookmarklet(origin), target: `${appOrigin(origin)}/blogmark` }),
});

export const BLOGMARK_USE_CASES = [captureBlogmark, blogmarkTransforms, blogmarkBookmarklet] as const;
