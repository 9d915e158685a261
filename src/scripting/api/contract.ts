// The one contract of the Python API: every namespace and method with zod schemas for arguments and
// results. From it come the `bds_api` Python module, the server-side dispatcher and docs/python-api.md.
import { z } from 'zod';

export interface ApiParam {
  name: string;
  schema: z.ZodType;
  required: boolean;
  description: string;
}

export interface ApiMethod {
  namespace: string;
  /** camelCase, as the app names it; Python gets snake_case plus this as an alias. */
  name: string;
  description: string;
  params: ApiParam[];
  result: z.ZodType;
  /** Read-only methods are the only ones a macro may call: rendering never changes the blog. */
  readOnly: boolean;
}

export const API_VERSION = '1.0.0';

const p = (name: string, schema: z.ZodType, description: string, required = true): ApiParam => ({
  name,
  schema,
  required,
  description,
});

const PostStatus = z.enum(['draft', 'published', 'archived']);
const Post = z.looseObject({
  id: z.string(),
  slug: z.string(),
  title: z.string(),
  status: PostStatus,
  createdAt: z.string(),
  updatedAt: z.string(),
  publishedAt: z.string().optional(),
  tags: z.array(z.string()),
  categories: z.array(z.string()),
  excerpt: z.string().optional(),
  author: z.string().optional(),
  language: z.string().optional(),
  path: z.string(),
});
const PostWithBody = Post.extend({ content: z.string() });
const Template = z.looseObject({
  name: z.string(),
  source: z.enum(['user', 'builtin']),
  file: z.string(),
  overridesBuiltin: z.boolean(),
});
const PostData = z.strictObject({
  title: z.string().optional(),
  content: z.string().optional(),
  slug: z.string().optional(),
  tags: z.array(z.string()).optional(),
  categories: z.array(z.string()).optional(),
  excerpt: z.string().nullable().optional(),
  author: z.string().nullable().optional(),
  language: z.string().nullable().optional(),
  template: z.string().nullable().optional(),
});
const Script = z.looseObject({
  id: z.string(),
  slug: z.string(),
  title: z.string(),
  kind: z.enum(['macro', 'transform', 'utility']),
  entrypoint: z.string(),
  enabled: z.boolean(),
  version: z.number(),
  trusted: z.boolean(),
});
const Media = z.looseObject({
  id: z.string(),
  path: z.string(),
  originalName: z.string(),
  mimeType: z.string(),
  size: z.number(),
  tags: z.array(z.string()),
  createdAt: z.string(),
});
const Tag = z.object({
  name: z.string(),
  color: z.string().optional(),
  count: z.number(),
  publishedCount: z.number(),
});
const Category = z.object({
  name: z.string(),
  title: z.string(),
  renderInLists: z.boolean(),
  showTitle: z.boolean(),
  count: z.number(),
});

const GitActionResult = z.looseObject({
  success: z.boolean(),
  code: z.enum(['auth-required', 'conflict', 'network', 'not-a-repo', 'action-failed']).optional(),
  error: z.string().optional(),
  guidance: z.array(z.string()).optional(),
});
const gitQuery = (
  name: string,
  description: string,
  result: z.ZodType,
  params: ApiParam[] = [],
): ApiMethod => ({
  namespace: 'sync',
  name,
  description,
  params,
  result,
  readOnly: true,
});
const gitAction = (name: string, description: string, params: ApiParam[] = []): ApiMethod => ({
  namespace: 'sync',
  name,
  description,
  params,
  result: GitActionResult,
  readOnly: false,
});

export const API_METHODS: ApiMethod[] = [
  // posts
  {
    namespace: 'posts',
    name: 'list',
    description: 'Posts, newest first, optionally filtered.',
    params: [
      p('status', PostStatus, 'only posts with this status', false),
      p('tag', z.string(), 'only posts with this tag', false),
      p('category', z.string(), 'only posts in this category', false),
      p('limit', z.number().int().min(1).max(10000), 'at most this many', false),
      p('offset', z.number().int().min(0), 'skip this many', false),
    ],
    result: z.array(Post),
    readOnly: true,
  },
  {
    namespace: 'posts',
    name: 'get',
    description: 'One post by id, with its Markdown content.',
    params: [p('id', z.string().min(1), 'post id')],
    result: PostWithBody,
    readOnly: true,
  },
  {
    namespace: 'posts',
    name: 'getBySlug',
    description: 'One post by slug, with its Markdown content.',
    params: [p('slug', z.string().min(1), 'post slug')],
    result: PostWithBody,
    readOnly: true,
  },
  {
    namespace: 'posts',
    name: 'search',
    description: 'Full-text search over titles, excerpts, bodies, tags and categories.',
    params: [
      p('query', z.string().min(1), 'words to find'),
      p('limit', z.number().int().min(1).max(200), 'at most this many', false),
    ],
    result: z.array(
      z.object({
        id: z.string(),
        slug: z.string(),
        title: z.string(),
        status: z.string(),
        snippet: z.string(),
      }),
    ),
    readOnly: true,
  },
  {
    namespace: 'posts',
    name: 'create',
    description: 'Create a post (a draft unless publish is true) and return it.',
    params: [
      p(
        'data',
        PostData.extend({ title: z.string().min(1) }),
        '{"title", "content", "tags", "categories", ...}',
      ),
      p('publish', z.boolean(), 'publish now', false),
    ],
    result: PostWithBody,
    readOnly: false,
  },
  {
    namespace: 'posts',
    name: 'update',
    description: 'Change a post; edits of a published post wait as pending edits until published.',
    params: [p('id', z.string().min(1), 'post id'), p('data', PostData, 'the fields to change')],
    result: PostWithBody,
    readOnly: false,
  },
  {
    namespace: 'posts',
    name: 'publish',
    description: 'Publish a post or its pending edits.',
    params: [p('id', z.string().min(1), 'post id')],
    result: PostWithBody,
    readOnly: false,
  },
  {
    namespace: 'posts',
    name: 'unpublish',
    description: 'Turn a published post back into a draft.',
    params: [p('id', z.string().min(1), 'post id')],
    result: PostWithBody,
    readOnly: false,
  },
  {
    namespace: 'posts',
    name: 'discard',
    description: 'Discard the pending edits of a published post.',
    params: [p('id', z.string().min(1), 'post id')],
    result: PostWithBody,
    readOnly: false,
  },
  {
    namespace: 'posts',
    name: 'delete',
    description: 'Delete a post and its file.',
    params: [p('id', z.string().min(1), 'post id')],
    result: z.object({ id: z.string(), slug: z.string() }),
    readOnly: false,
  },
  // media
  {
    namespace: 'media',
    name: 'list',
    description: 'Media files, newest first.',
    params: [],
    result: z.array(Media),
    readOnly: true,
  },
  {
    namespace: 'media',
    name: 'get',
    description: 'One media file by id.',
    params: [p('id', z.string().min(1), 'media id')],
    result: Media,
    readOnly: true,
  },
  {
    namespace: 'media',
    name: 'linkedToPost',
    description: 'Media linked to a post, in order (what the gallery macro shows).',
    params: [p('postId', z.string().min(1), 'post id')],
    result: z.array(Media),
    readOnly: true,
  },
  {
    namespace: 'media',
    name: 'search',
    description: 'Full-text search over names, titles, alt texts, captions and tags.',
    params: [p('query', z.string().min(1), 'words to find')],
    result: z.array(Media),
    readOnly: true,
  },
  // tags and categories
  {
    namespace: 'tags',
    name: 'list',
    description: 'Tags with their post counts and colours.',
    params: [],
    result: z.array(Tag),
    readOnly: true,
  },
  {
    namespace: 'tags',
    name: 'rename',
    description: 'Rename a tag in every post; returns how many files changed.',
    params: [p('name', z.string().min(1), 'current name'), p('newName', z.string().min(1), 'new name')],
    result: z.number(),
    readOnly: false,
  },
  {
    namespace: 'tags',
    name: 'merge',
    description: 'Merge tags into one; returns how many files changed.',
    params: [
      p('sources', z.array(z.string().min(1)).min(1), 'tags to merge'),
      p('target', z.string().min(1), 'the tag they become'),
    ],
    result: z.number(),
    readOnly: false,
  },
  {
    namespace: 'tags',
    name: 'setColor',
    description: 'Set a tag colour (#rrggbb).',
    params: [p('name', z.string().min(1), 'tag'), p('color', z.string().min(1), 'colour')],
    result: z.null(),
    readOnly: false,
  },
  {
    namespace: 'categories',
    name: 'list',
    description: 'Categories with metadata and post counts.',
    params: [],
    result: z.array(Category),
    readOnly: true,
  },
  // scripts
  {
    namespace: 'scripts',
    name: 'list',
    description: 'Scripts with kind, state and trust.',
    params: [],
    result: z.array(Script),
    readOnly: true,
  },
  {
    namespace: 'scripts',
    name: 'get',
    description: 'One script by id or slug, with its code.',
    params: [p('ref', z.string().min(1), 'script id or slug')],
    result: Script.extend({ code: z.string() }),
    readOnly: true,
  },
  // git
  gitQuery(
    'checkAvailability',
    'Whether git is installed, and its version.',
    z.looseObject({ gitFound: z.boolean() }),
  ),
  gitQuery(
    'getRepoState',
    'Whether the project is a git repository, its branch and whether a remote is configured.',
    z.looseObject({ isRepo: z.boolean() }),
  ),
  gitQuery(
    'getStatus',
    'Changed files and counts.',
    z.looseObject({ files: z.array(z.looseObject({ path: z.string() })) }),
  ),
  gitQuery(
    'getHistory',
    'Recent commits, newest first.',
    z.array(z.looseObject({ hash: z.string(), subject: z.string() })),
    [p('limit', z.number().int().min(1).max(1000), 'how many (default 20)', false)],
  ),
  gitQuery(
    'getRemoteState',
    'Commits ahead of and behind the upstream branch.',
    z.looseObject({ hasUpstream: z.boolean(), ahead: z.number(), behind: z.number() }),
  ),
  gitAction('fetch', 'Fetch from the remote (never prompts).'),
  gitAction('pull', 'Pull and apply what changed to the index (changed scripts become untrusted).'),
  gitAction('push', 'Push, setting the upstream on the first push.'),
  gitAction('commitAll', 'Stage every change and commit it.', [
    p('message', z.string().min(1), 'commit message'),
  ]),
  // publish
  {
    namespace: 'publish',
    name: 'uploadSite',
    description: 'Upload html/, thumbnails/ and media/ over ssh with the settings of meta/publishing.json.',
    params: [
      p('dryRun', z.boolean(), 'only report what would be sent', false),
      p('delete', z.boolean(), 'remove remote files that are no longer generated', false),
    ],
    result: z.looseObject({
      htmlFilesUploaded: z.number(),
      thumbnailFilesUploaded: z.number(),
      mediaFilesUploaded: z.number(),
      filesDeleted: z.number(),
      dryRun: z.boolean(),
    }),
    readOnly: false,
  },
  // templates
  {
    namespace: 'templates',
    name: 'list',
    description:
      'Every template the site uses: user templates (templates/NAME.liquid) over the built-in theme.',
    params: [],
    result: z.array(Template),
    readOnly: true,
  },
  {
    namespace: 'templates',
    name: 'get',
    description: 'The template the site uses under a name, with its text.',
    params: [p('name', z.string(), 'template name, e.g. "post"')],
    result: Template.extend({ content: z.string() }),
    readOnly: true,
  },
  {
    namespace: 'templates',
    name: 'save',
    description: 'Write templates/NAME.liquid after checking that it parses (a syntax error names the line).',
    params: [p('name', z.string(), 'template name'), p('content', z.string(), 'Liquid text')],
    result: Template,
    readOnly: false,
  },
  {
    namespace: 'templates',
    name: 'delete',
    description: 'Delete templates/NAME.liquid; the built-in template of that name is used again.',
    params: [p('name', z.string(), 'template name')],
    result: z.null(),
    readOnly: false,
  },
  // site
  {
    namespace: 'site',
    name: 'build',
    description:
      'Build the static site into html/, writing only what changed; macro failures are listed (strict: nothing is written).',
    params: [
      p('strict', z.boolean(), 'fail (and write nothing) when a macro fails', false),
      p('force', z.boolean(), 'ignore the caches and write every file again', false),
    ],
    result: z.looseObject({
      outDir: z.string(),
      posts: z.number(),
      files: z.number(),
      pagesWritten: z.number(),
      pagesUnchanged: z.number(),
      pagesRemoved: z.number(),
      macroCounters: z.looseObject({
        builtin: z.number(),
        python: z.number(),
        unknown: z.number(),
        failed: z.number(),
      }),
      failures: z.array(
        z.looseObject({ macro: z.string(), reason: z.string(), message: z.string(), file: z.string() }),
      ),
      warnings: z.array(z.looseObject({ code: z.string(), message: z.string() })),
      ms: z.number(),
    }),
    readOnly: false,
  },
  // project and app
  {
    namespace: 'project',
    name: 'getSettings',
    description: 'The project settings from bds.json.',
    params: [],
    result: z.looseObject({
      id: z.string(),
      name: z.string(),
      mainLanguage: z.string(),
      timezone: z.string(),
    }),
    readOnly: true,
  },
  {
    namespace: 'app',
    name: 'getDataPaths',
    description: 'Where the project keeps its data.',
    params: [],
    result: z.object({
      project: z.string(),
      database: z.string(),
      posts: z.string(),
      media: z.string(),
      scripts: z.string(),
      html: z.string(),
    }),
    readOnly: true,
  },
  {
    namespace: 'app',
    name: 'getSystemLanguage',
    description: 'The language of the machine (BCP 47).',
    params: [],
    result: z.string(),
    readOnly: true,
  },
  {
    namespace: 'app',
    name: 'getDefaultProjectPath',
    description: "The user's default project folder.",
    params: [],
    result: z.string(),
    readOnly: true,
  },
  {
    namespace: 'app',
    name: 'readProjectMetadata',
    description: 'Read the bds.json of a project folder.',
    params: [p('folderPath', z.string().min(1), 'project folder')],
    result: z.looseObject({ id: z.string(), name: z.string() }),
    readOnly: true,
  },
];

export function findMethod(qualified: string): ApiMethod | undefined {
  const dot = qualified.indexOf('.');
  const ns = qualified.slice(0, dot);
  const name = qualified.slice(dot + 1);
  return API_METHODS.find((m) => m.namespace === ns && m.name === name);
}

export function namespaces(): string[] {
  return [...new Set(API_METHODS.map((m) => m.namespace))];
}
