// ABI v1: the zod schemas of every payload that crosses into or out of Python (macro, transform and
// utility calls, script checks, bds_api calls), and the helpers that turn a failed parse into a message naming the field.
import { z } from 'zod';
import { PostRecordSchema } from './records.js';

export const ABI_VERSION = 1;

/** Any JSON value (no NaN, no Infinity, no undefined, plain objects only). */
export const JsonValueSchema = z.json();
export type JsonValue = z.infer<typeof JsonValueSchema>;

const nonEmpty = z.string().min(1, { message: 'must not be empty' });
const trimmedNonEmpty = z.string().trim().min(1, { message: 'must not be empty' });

// ---- macros: render(context, post) -> str | {html, warnings?, data?} ----

/** A macro parameter after typing: quoted → string; numbers; `true`/`false` and bare flags → boolean. */
export const MacroParamValueSchema = z.union([z.string(), z.number(), z.boolean()]);

/**
 * The `context` of `render(context, post)`. Strict at every level: the site build, the preview server
 * and the browser preview send exactly these fields, so a field added on one path only is caught.
 */
export const MacroContextSchema = z.strictObject({
  params: z.record(z.string(), MacroParamValueSchema),
  language: z.string(),
  post_slug: z.string().nullable(),
  env: z.strictObject({
    isPreview: z.boolean(),
    mainLanguage: nonEmpty,
    source: z.strictObject({ kind: z.literal('macro'), id: nonEmpty }),
  }),
});
export type MacroContextV1 = z.infer<typeof MacroContextSchema>;

function hasKeys(value: unknown, keys: readonly string[]): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype) {
    return false;
  }
  const own = Object.keys(value);
  return own.length === keys.length && own.every((k, i) => k === keys[i]);
}

/**
 * Whether `value` is a macro context MacroContextSchema takes as it is: the same fields in the schema's
 * order, so its parse would give an equal copy. A quick look for the contexts bds makes itself (a
 * build checks thousands); anything else goes through the schema, which says what is wrong.
 */
export function isPlainMacroContext(value: unknown): value is MacroContextV1 {
  if (!hasKeys(value, ['params', 'language', 'post_slug', 'env'])) return false;
  const { params, language, post_slug: slug, env } = value;
  if (typeof language !== 'string' || (slug !== null && typeof slug !== 'string')) return false;
  if (typeof params !== 'object' || params === null || Object.getPrototypeOf(params) !== Object.prototype) {
    return false;
  }
  for (const key of Object.keys(params)) {
    const v = (params as Record<string, unknown>)[key];
    if (key === '__proto__') return false;
    if (typeof v !== 'string' && typeof v !== 'boolean' && !(typeof v === 'number' && Number.isFinite(v))) {
      return false;
    }
  }
  if (!hasKeys(env, ['isPreview', 'mainLanguage', 'source'])) return false;
  const source = env.source;
  return (
    typeof env.isPreview === 'boolean' &&
    typeof env.mainLanguage === 'string' &&
    env.mainLanguage.length > 0 &&
    hasKeys(source, ['kind', 'id']) &&
    source.kind === 'macro' &&
    typeof source.id === 'string' &&
    source.id.length > 0
  );
}

/** The `post` of `render(context, post)` (or `None`). Extra keys are allowed, as JSON values. */
export const PostDataSchema = PostRecordSchema.pick({
  title: true,
  slug: true,
  tags: true,
  categories: true,
  createdAt: true,
  updatedAt: true,
})
  .extend({
    id: nonEmpty,
    /** The Markdown body. */
    content: z.string(),
    // Python sees absent fields as None.
    publishedAt: z.string().nullable().optional(),
    excerpt: z.string().nullable().optional(),
    author: z.string().nullable().optional(),
    language: z.string().nullable().optional(),
    status: z.string().optional(),
  })
  .catchall(JsonValueSchema);
export type PostDataV1 = z.infer<typeof PostDataSchema>;

/** The dict form of a macro result. Unknown keys are refused (a typo such as `warning` is reported). */
export const MacroResultObjectSchema = z.strictObject({
  html: z.string(),
  warnings: z.array(z.string()).optional(),
  data: z.record(z.string(), JsonValueSchema).optional(),
});

/** What `render` may return: an HTML string, or `{html, warnings?, data?}`. */
export const MacroResultSchema = z.union([z.string(), MacroResultObjectSchema]);

/** A macro result after normalisation. */
export interface MacroOutput {
  html: string;
  warnings: string[];
  data?: Record<string, JsonValue>;
}

// ---- transforms: transform(post, context) -> post | None ----

/** The post a transform receives and returns. Unknown keys in a returned post are dropped. */
export const TransformPostSchema = z.object({
  title: trimmedNonEmpty,
  content: trimmedNonEmpty,
  tags: z.array(trimmedNonEmpty),
  categories: z.array(trimmedNonEmpty),
  excerpt: z.string().optional(),
});
export type TransformPost = z.infer<typeof TransformPostSchema>;

export const TransformContextSchema = z.strictObject({
  /** What started the pipeline, e.g. `blogmark`. */
  source: nonEmpty,
  url: z.string().optional(),
  /** A blogmark's title and selected text as captured (before any transform changed the post). */
  title: z.string().optional(),
  selection: z.string().optional(),
  /** How a blogmark arrived: `bookmarklet`, `cli`, `api` or `python`. */
  via: z.string().optional(),
});
export type TransformContext = z.infer<typeof TransformContextSchema>;

/** What `transform` may return: the changed post, or `None` to keep the post it was given. */
export const TransformResultSchema = TransformPostSchema.nullable();

// ---- utilities: main(context) -> any JSON ----

export const UtilityContextSchema = z.strictObject({
  params: z.record(z.string(), JsonValueSchema),
  env: z.strictObject({
    mainLanguage: nonEmpty,
    source: z.strictObject({ kind: z.literal('script'), id: nonEmpty }),
  }),
});
export type UtilityContext = z.infer<typeof UtilityContextSchema>;
export const UtilityResultSchema = JsonValueSchema;

// ---- script checks (Python's own ast) ----

export const SyntaxProblemSchema = z.strictObject({
  line: z.number().int(),
  column: z.number().int(),
  endLine: z.number().int().optional(),
  endColumn: z.number().int().optional(),
  message: z.string(),
});
export type SyntaxProblem = z.infer<typeof SyntaxProblemSchema>;

export const ScriptFunctionSchema = z.strictObject({
  name: z.string(),
  params: z.array(z.string()),
  isAsync: z.boolean(),
  line: z.number().int(),
});
export type ScriptFunction = z.infer<typeof ScriptFunctionSchema>;

export const ScriptCheckSchema = z.strictObject({
  ok: z.boolean(),
  errors: z.array(SyntaxProblemSchema),
  functions: z.array(ScriptFunctionSchema),
});
export type ScriptCheck = z.infer<typeof ScriptCheckSchema>;

// ---- bds_api: Python -> host calls ----

/** `namespace.method`, snake_case or camelCase: `posts.get`, `posts.listPublished`. */
export const API_METHOD_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$/;

export const ApiCallSchema = z.strictObject({
  method: z.string().regex(API_METHOD_PATTERN, { message: 'must be namespace.method' }),
  /** Keyword arguments by name. */
  args: z.record(z.string(), JsonValueSchema),
});
export type ApiCall = z.infer<typeof ApiCallSchema>;

export const ApiAnswerSchema = z.discriminatedUnion('ok', [
  z.strictObject({ ok: z.literal(true), result: JsonValueSchema }),
  z.strictObject({ ok: z.literal(false), error: z.strictObject({ code: nonEmpty, message: z.string() }) }),
]);
export type ApiAnswer = z.infer<typeof ApiAnswerSchema>;

// ---- errors that name the field ----

/** `context.env.isPreview`, `result.warnings[2]`: a zod path written as Python users read it. */
export function fieldPath(root: string, path: readonly PropertyKey[]): string {
  let out = root;
  for (const key of path) {
    out += typeof key === 'number' ? `[${key}]` : `.${String(key)}`;
  }
  return out;
}

/** The first issue of a failed parse as `{field, message}`, with `root` as the name of the whole value. */
export function describeAbiIssue(root: string, error: z.ZodError): { field: string; message: string } {
  const issue = error.issues[0];
  if (!issue) return { field: root, message: 'is invalid' };
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    return { field: fieldPath(root, [...issue.path, key]), message: 'is not a known field' };
  }
  const field = fieldPath(root, issue.path);
  if (issue.code === 'invalid_type') {
    return { field, message: /received undefined/.test(issue.message) ? 'is required' : issue.message };
  }
  return { field, message: issue.message };
}

/** The Python name of a JSON value's type, for messages a script author reads. */
export function pythonTypeName(value: unknown): string {
  if (value === null) return 'None';
  if (Array.isArray(value)) return 'list';
  switch (typeof value) {
    case 'string':
      return 'str';
    case 'boolean':
      return 'bool';
    case 'number':
      return Number.isInteger(value) ? 'int' : 'float';
    case 'object':
      return 'dict';
    default:
      return typeof value;
  }
}
