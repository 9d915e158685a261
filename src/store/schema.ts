// drizzle table definitions mirroring migrations.ts (the FTS tables are queried with SQL).
import { integer, real, sqliteTable, text } from 'drizzle-orm/sqlite-core';

export const posts = sqliteTable('posts', {
  rowid: integer('rowid').primaryKey(),
  id: text('id').notNull(),
  path: text('path').notNull(),
  slug: text('slug').notNull(),
  title: text('title').notNull(),
  status: text('status').notNull(),
  createdAt: text('created_at').notNull(),
  updatedAt: text('updated_at').notNull(),
  publishedAt: text('published_at'),
  sortDate: text('sort_date').notNull(),
  dateKey: text('date_key').notNull(),
  excerpt: text('excerpt'),
  author: text('author'),
  language: text('language'),
  template: text('template'),
  tagsJson: text('tags_json').notNull(),
  categoriesJson: text('categories_json').notNull(),
  mediaJson: text('media_json').notNull(),
  extraJson: text('extra_json').notNull(),
  body: text('body').notNull(),
  bodyLine: integer('body_line').notNull(),
  mtimeMs: real('mtime_ms').notNull(),
  size: integer('size').notNull(),
});

export const drafts = sqliteTable('drafts', {
  postId: text('post_id').primaryKey(),
  path: text('path').notNull(),
  title: text('title').notNull(),
  dataJson: text('data_json').notNull(),
  body: text('body').notNull(),
  mtimeMs: real('mtime_ms').notNull(),
  size: integer('size').notNull(),
});

export const media = sqliteTable('media', {
  rowid: integer('rowid').primaryKey(),
  id: text('id').notNull(),
  path: text('path').notNull(),
  originalName: text('original_name').notNull(),
  mimeType: text('mime_type').notNull(),
  size: integer('size').notNull(),
  width: integer('width'),
  height: integer('height'),
  title: text('title'),
  alt: text('alt'),
  caption: text('caption'),
  tagsJson: text('tags_json').notNull(),
  createdAt: text('created_at').notNull(),
  recordJson: text('record_json').notNull(),
  sidecarMtimeMs: real('sidecar_mtime_ms').notNull(),
});

export const problems = sqliteTable('problems', {
  path: text('path').notNull(),
  code: text('code').notNull(),
  message: text('message').notNull(),
  line: integer('line'),
  col: integer('col'),
});
