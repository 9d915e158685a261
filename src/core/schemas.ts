// zod schemas for the files bds reads: bds.json, the machine settings kept in BDS_HOME, post frontmatter.
import os from 'node:os';
import { z } from 'zod';
import { isValidTimezone } from './dates.js';
import { isIsoDate } from './dates.js';
import { POST_FRONTMATTER_FIELDS } from './records.js';

export const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

const isoDate = z
  .string()
  .refine(isIsoDate, { message: 'must be an ISO-8601 date such as 2026-01-31T10:00:00Z' });
const nonEmpty = z.string().trim().min(1, { message: 'must not be empty' });

export { POST_STATUSES, type PostStatus } from './records.js';

export const CategoryMetaSchema = z.looseObject({
  title: z.string(),
  renderInLists: z.boolean().default(true),
  showTitle: z.boolean().default(true),
});

// ---- Settings files: one table per file, from which the schema, the key list and the messages come.

interface SettingSpec<S extends z.ZodType = z.ZodType> {
  schema: S;
  description: string;
  /** What a valid value looks like, in words: messages about a bad value and `bds config list` say it. */
  allowed: string;
}

function setting<S extends z.ZodType>(schema: S, description: string, allowed: string): SettingSpec<S> {
  return { schema, description, allowed };
}

type ShapeOf<T extends Record<string, SettingSpec>> = { [K in keyof T]: T[K]['schema'] };

function shapeOf<T extends Record<string, SettingSpec>>(specs: T): ShapeOf<T> {
  return Object.fromEntries(Object.entries(specs).map(([k, s]) => [k, s.schema])) as ShapeOf<T>;
}

/** One key of a settings file, as `bds config list` shows it. */
export interface SettingKey {
  key: string;
  description: string;
  allowed: string;
  /** What bds uses when the key is missing or invalid (undefined: the key stays unset). */
  default: unknown;
  /** No fallback exists: a missing or invalid value stops the file from loading. */
  required: boolean;
  schema: z.ZodType;
}

function describeSettings(specs: Record<string, SettingSpec>): readonly SettingKey[] {
  return Object.entries(specs).map(([key, s]) => {
    const missing = s.schema.safeParse(undefined);
    return {
      key,
      description: s.description,
      allowed: s.allowed,
      default: missing.success ? missing.data : undefined,
      required: !missing.success,
      schema: s.schema,
    };
  });
}

const PROJECT_SETTINGS = {
  id: setting(
    z.string().regex(SAFE_ID, { message: 'must be a UUID' }),
    'The project id. Never changes: script trust and machine settings are kept by it.',
    'a UUID (letters, digits, - and _)',
  ),
  name: setting(
    nonEmpty,
    'The name of the blog. bds uses the folder name when it is missing or invalid.',
    'a text that is not empty',
  ),
  description: setting(z.string().optional(), 'A sentence about the blog, for feeds and pages.', 'a text'),
  publicUrl: setting(
    z.string().optional(),
    'The address the site is published at, for absolute links in the sitemap and feeds.',
    'a URL such as "https://example.org"',
  ),
  mainLanguage: setting(
    z.string().min(2).default('en'),
    'The language posts are written in unless a post says otherwise.',
    'a language code such as "en" or "de"',
  ),
  timezone: setting(
    z.string().refine(isValidTimezone, { message: 'must be an IANA timezone such as UTC' }).default('UTC'),
    'The timezone of post dates, folders and URLs (never the machine’s).',
    'an IANA timezone such as "UTC" or "Europe/Berlin"',
  ),
  maxPostsPerPage: setting(
    z.number().int().min(1).max(500).default(50),
    'How many posts a list page of the site holds.',
    'a whole number from 1 to 500',
  ),
  blogmarkCategory: setting(
    nonEmpty.default('article'),
    'The category a blogmark (a page captured with the bookmarklet or `bds blogmark`) is filed under.',
    'a category name such as "article"',
  ),
  defaultAuthor: setting(z.string().optional(), 'The author of posts that name none.', 'a text'),
  theme: setting(
    z.string().default('default'),
    'The built-in theme of the site.',
    'a theme name such as "default"',
  ),
};

export const ProjectSettingsSchema = z.looseObject(shapeOf(PROJECT_SETTINGS));
export type ProjectSettings = z.infer<typeof ProjectSettingsSchema>;

/** The keys of bds.json: the schema above, described for `bds config list`. */
export const PROJECT_SETTING_KEYS = describeSettings(PROJECT_SETTINGS);

/** One interpreter per core (at most 8): macros of a build run in parallel, as the pool's own default. */
export function defaultPythonPoolSize(): number {
  return Math.max(1, Math.min(8, os.availableParallelism()));
}

// The defaults repeat DEFAULT_TIMEOUTS and PYTHON_RUNTIME_MODES of src/scripting/runtime/types.ts, which
// core cannot import (it sits below scripting); test/app/machine-settings.test.ts keeps them equal.
const MACHINE_SETTINGS = {
  pythonRuntimeMode: setting(
    z.enum(['worker', 'main-thread']).default('worker'),
    'How Python runs: "worker" (worker threads a watchdog can stop) or "main-thread" (the legacy fallback, weaker isolation).',
    '"worker" or "main-thread"',
  ),
  pythonPoolSize: setting(
    z
      .number()
      .int()
      .min(1)
      .max(8)
      .default(() => defaultPythonPoolSize()),
    'How many Python interpreters run at once in worker mode.',
    'a whole number from 1 to 8',
  ),
  macroTimeoutMs: setting(
    z.number().int().min(100).max(600_000).default(5_000),
    'How long one macro may run before it is stopped, in ms.',
    'a whole number of ms from 100 to 600000',
  ),
  utilityTimeoutMs: setting(
    z.number().int().min(100).max(3_600_000).default(60_000),
    'How long one utility script may run before it is stopped, in ms.',
    'a whole number of ms from 100 to 3600000',
  ),
};

/** Settings of the user's machine for one project: how Python runs. Never read from a project folder. */
export const MachineSettingsSchema = z.object(shapeOf(MACHINE_SETTINGS));
export type MachineSettings = z.infer<typeof MachineSettingsSchema>;

/** The machine settings keys, described for `bds config list`. */
export const MACHINE_SETTING_KEYS = describeSettings(MACHINE_SETTINGS);

export interface InvalidSetting {
  key: string;
  /** The value as the file holds it. */
  value: unknown;
  /** What is wrong and what is allowed, e.g. `"timezone" must be an IANA timezone ..., not "Mars/Base"`. */
  message: string;
  /** What bds uses instead: the key's default, or undefined (unset). */
  fallback: unknown;
  required: boolean;
}

const preview = (value: unknown): string => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
};

/** Why `value` is not a valid `key.key`, or undefined when it is. */
export function checkSetting(key: SettingKey, value: unknown): string | undefined {
  if (key.schema.safeParse(value).success) return undefined;
  if (value === undefined) return `"${key.key}" is missing (it must be ${key.allowed})`;
  return `"${key.key}" must be ${key.allowed}, not ${preview(value)}`;
}

/**
 * Checks a settings object key by key, so that one bad value costs only that key: an invalid key falls back
 * to its default (or to unset) and is listed, unknown keys are kept. `data` is undefined when a required
 * key is invalid, since there is nothing to fall back to.
 */
export function parseSettingsByKey<S extends z.ZodObject>(
  schema: S,
  keys: readonly SettingKey[],
  raw: Record<string, unknown>,
): { data: z.output<S> | undefined; invalid: InvalidSetting[] } {
  const invalid: InvalidSetting[] = [];
  for (const key of keys) {
    const message = checkSetting(key, raw[key.key]);
    if (message === undefined) continue;
    invalid.push({
      key: key.key,
      value: raw[key.key],
      message,
      fallback: key.default,
      required: key.required,
    });
  }
  if (invalid.some((i) => i.required)) return { data: undefined, invalid };
  const kept = Object.fromEntries(Object.entries(raw).filter(([k]) => !invalid.some((i) => i.key === k)));
  return { data: schema.parse(kept), invalid };
}

const stringList = z
  .array(z.union([z.string(), z.number()]).transform((v) => String(v).trim()))
  .transform((list) => [...new Set(list.filter((s) => s.length > 0))]);

/** Post frontmatter as a file holds it: the record's fields, checked, with defaults for the lists. */
export const PostFrontmatterSchema = z.looseObject({
  ...POST_FRONTMATTER_FIELDS,
  id: z.string().regex(SAFE_ID, { message: 'must be an id of letters, digits, - and _' }),
  title: nonEmpty,
  slug: z.string().min(1),
  createdAt: isoDate,
  updatedAt: isoDate,
  publishedAt: isoDate.optional(),
  tags: stringList.default([]),
  categories: stringList.default([]),
  media: z.array(z.string().regex(SAFE_ID)).default([]),
});
export type PostFrontmatter = z.infer<typeof PostFrontmatterSchema>;

/** The first issue of a zod error as `field: message`. */
export function describeZodError(error: z.ZodError): { field: string; message: string } {
  const issue = error.issues[0];
  if (!issue) return { field: '', message: 'invalid' };
  const field = issue.path.map(String).join('.');
  let message = issue.message;
  if (issue.code === 'invalid_type' && /received undefined/.test(message)) message = 'is required';
  return { field, message };
}
