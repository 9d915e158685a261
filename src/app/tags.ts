// Use cases of tags and categories: counts from the index, colours and category metadata from meta/,
// and renames and merges that rewrite every post that carries the tag.
import { z } from 'zod';
import { BdsError } from '../core/errors.js';
import type { PostFrontmatter } from '../core/schemas.js';
import {
  isValidColour,
  readCategories,
  readTagMeta,
  tagMetaWritable,
  writeCategories,
  writeTagMeta,
  type CategoryMeta,
} from '../content/taxonomy.js';
import type { AppServices } from './services.js';
import { CategorySchema, nonEmpty, ProblemSchema, TagSchema } from './schemas.js';
import { workspaceUseCase } from './use-case.js';

export interface TagInfo {
  name: string;
  color?: string;
  count: number;
  publishedCount: number;
}

/** Every tag in posts or in meta/tags.json, with counts (tags compare case-insensitively). */
export function tagsOf(app: AppServices): TagInfo[] {
  const meta = new Map(readTagMeta(app.project).map((t) => [t.name.toLowerCase(), t]));
  const all = new Map(app.postIndex.tagCounts().map((t) => [t.name.toLowerCase(), t]));
  const published = new Map(app.postIndex.tagCounts('published').map((t) => [t.name.toLowerCase(), t.count]));
  const names = new Set([...meta.keys(), ...all.keys()]);
  return [...names]
    .map((key) => {
      const color = meta.get(key)?.color;
      return {
        name: meta.get(key)?.name ?? all.get(key)!.name,
        ...(color ? { color } : {}),
        count: all.get(key)?.count ?? 0,
        publishedCount: published.get(key) ?? 0,
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Replace each source tag by `target` in every post (once), keeping the target's metadata. The posts are
 * rewritten all or nothing; a file with a problem is left as it is and reported.
 */
function mergeTags(app: AppServices, sources: string[], target: string): TagRewriteOutput {
  const wanted = target.trim();
  if (!wanted) throw new BdsError('invalid-argument', 'The target tag name is empty');
  const lower = new Set(sources.map((s) => s.toLowerCase()));
  const tags = tagsOf(app);
  for (const s of sources) {
    if (!tags.some((x) => x.name.toLowerCase() === s.toLowerCase())) {
      throw new BdsError('tag-not-found', `No tag named "${s}"`);
    }
  }
  // The spelling the user asks for wins everywhere.
  const targetKey = wanted.toLowerCase();
  const rewrite = new Set([...lower, targetKey]);
  const report = app.transaction(() =>
    app.posts.rewriteAll((fm: PostFrontmatter) => {
      if (!fm.tags.some((x) => rewrite.has(x.toLowerCase()) && x !== wanted)) return undefined;
      const next: string[] = [];
      for (const x of fm.tags) {
        const name = rewrite.has(x.toLowerCase()) ? wanted : x;
        if (!next.some((y) => y.toLowerCase() === name.toLowerCase())) next.push(name);
      }
      return { tags: next };
    }),
  );
  const meta = readTagMeta(app.project);
  const targetMeta = meta.find((m) => m.name.toLowerCase() === targetKey);
  const sourceMeta = meta.find((m) => lower.has(m.name.toLowerCase()));
  const rest = meta.filter((m) => !rewrite.has(m.name.toLowerCase()));
  rest.push({ ...(sourceMeta ?? {}), ...(targetMeta ?? {}), name: wanted });
  // A broken tags.json (listed in `bds problems`) is the user's to fix: the posts change, it does not.
  if (tagMetaWritable(app.project)) writeTagMeta(app.project, rest);
  app.changed('posts-changed', []);
  app.changed('meta-changed', ['meta/tags.json']);
  return {
    changedPosts: report.rewritten.length,
    rewritten: report.rewritten.length,
    skipped: report.skipped.length,
    skippedFiles: report.skipped,
  };
}

const TagRewrite = z.object({
  changedPosts: z.number().describe('files rewritten (the same as rewritten)'),
  rewritten: z.number().describe('files rewritten'),
  skipped: z.number().describe('files left unchanged because of a problem'),
  skippedFiles: z.array(ProblemSchema).describe('each skipped file and why'),
});
type TagRewriteOutput = z.infer<typeof TagRewrite>;

export const listTags = workspaceUseCase({
  name: 'tags.list',
  description: 'Tags with their post counts and colours.',
  input: z.object({}),
  output: z.array(TagSchema),
  readOnly: true,
  cacheable: true,
  errors: [],
  http: { method: 'GET', path: '/api/tags' },
  python: { method: 'tags.list' },
  run: (app) => tagsOf(app),
});

export const renameTag = workspaceUseCase({
  name: 'tags.rename',
  description: 'Rename a tag in every post and pending edit, and in meta/tags.json.',
  input: z.object({
    name: nonEmpty('name').describe('current name'),
    newName: nonEmpty('newName').describe('new name'),
  }),
  output: TagRewrite,
  readOnly: false,
  errors: ['tag-not-found', 'io-error'],
  http: { method: 'POST', path: '/api/tags/:name/rename' },
  python: {
    method: 'tags.rename',
    description:
      'Rename a tag in every post, all or nothing; returns how many files changed (files with problems are left unchanged: see project.problems).',
    result: z.number(),
    fromOutput: (o: TagRewriteOutput) => o.changedPosts,
  },
  run: (app, { name, newName }) => mergeTags(app, [name], newName),
});

export const mergeTagsUseCase = workspaceUseCase({
  name: 'tags.merge',
  description: 'Merge tags into one in every post.',
  input: z.object({
    sources: z.array(nonEmpty('tag')).min(1).describe('tags to merge'),
    target: nonEmpty('target').describe('the tag they become'),
  }),
  output: TagRewrite,
  readOnly: false,
  errors: ['tag-not-found', 'io-error'],
  http: { method: 'POST', path: '/api/tags/merge' },
  python: {
    method: 'tags.merge',
    description:
      'Merge tags into one, all or nothing; returns how many files changed (files with problems are left unchanged: see project.problems).',
    result: z.number(),
    fromOutput: (o: TagRewriteOutput) => o.changedPosts,
  },
  run: (app, { sources, target }) => mergeTags(app, sources, target),
});

export const setTagColor = workspaceUseCase({
  name: 'tags.setColor',
  description: 'Set a tag colour (#rrggbb), or remove it.',
  input: z.object({
    name: nonEmpty('name').describe('tag'),
    color: z.string().min(1).optional().describe('colour'),
  }),
  output: z.object({ name: z.string(), color: z.string().optional() }),
  readOnly: false,
  errors: ['io-error'],
  http: { method: 'PUT', path: '/api/tags/:name/color' },
  python: {
    method: 'tags.setColor',
    description: 'Set a tag colour (#rrggbb).',
    params: z.object({ name: nonEmpty('name').describe('tag'), color: nonEmpty('color').describe('colour') }),
    result: z.null(),
    fromOutput: () => null,
  },
  run: (app, { name, color }) => {
    if (color !== undefined && !isValidColour(color)) {
      throw new BdsError('invalid-argument', `"${color}" is not a colour like #3b82f6`);
    }
    const tags = readTagMeta(app.project).filter((t) => t.name.toLowerCase() !== name.toLowerCase());
    tags.push({ name, color });
    writeTagMeta(app.project, tags);
    app.changed('meta-changed', ['meta/tags.json']);
    return { name, ...(color ? { color } : {}) };
  },
});

export const listCategories = workspaceUseCase({
  name: 'categories.list',
  description: 'Categories with metadata and post counts.',
  input: z.object({}),
  output: z.array(CategorySchema),
  readOnly: true,
  cacheable: true,
  errors: [],
  http: { method: 'GET', path: '/api/categories' },
  python: { method: 'categories.list' },
  run: (app) => {
    const cats = readCategories(app.project);
    const counted = app.postIndex.categoryCounts();
    const counts = new Map(counted.map((c) => [c.name.toLowerCase(), c.count]));
    const names = new Set([...Object.keys(cats), ...counted.map((c) => c.name)]);
    return [...names].sort().map((name) => {
      const meta: CategoryMeta = cats[name] ?? { title: name, renderInLists: true, showTitle: true };
      return {
        name,
        title: meta.title,
        renderInLists: meta.renderInLists,
        showTitle: meta.showTitle,
        count: counts.get(name.toLowerCase()) ?? 0,
      };
    });
  },
});

export const setCategory = workspaceUseCase({
  name: 'categories.set',
  description: 'Create or change a category (meta/categories.json).',
  input: z.object({
    name: nonEmpty('name'),
    title: z.string().optional(),
    renderInLists: z.boolean().optional(),
    showTitle: z.boolean().optional(),
  }),
  output: z.object({
    name: z.string(),
    title: z.string(),
    renderInLists: z.boolean(),
    showTitle: z.boolean(),
  }),
  readOnly: false,
  errors: ['io-error'],
  http: { method: 'PUT', path: '/api/categories/:name' },
  run: (app, { name, ...meta }) => {
    const n = name.trim();
    const cats = readCategories(app.project);
    const given = Object.fromEntries(Object.entries(meta).filter(([, v]) => v !== undefined));
    const next = { title: n, renderInLists: true, showTitle: true, ...cats[n], ...given };
    cats[n] = next;
    writeCategories(app.project, cats);
    app.changed('meta-changed', ['meta/categories.json']);
    return { name: n, title: next.title, renderInLists: next.renderInLists, showTitle: next.showTitle };
  },
});

export const TAG_USE_CASES = [
  listTags,
  renameTag,
  mergeTagsUseCase,
  setTagColor,
  listCategories,
  setCategory,
] as const;
