// The post index's change log: which posts were written or removed since a mark, in this index only; a
// rebuild, a mark of another index file or log rows pruned since say "cannot tell" instead of a short list.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { PostRowInput } from '../../src/store/index.js';
import { openIndexDb, PostIndex } from '../../src/store/index.js';
import { cleanupTempDirs, tempDir } from '../helpers/project.js';

afterEach(() => cleanupTempDirs());

function row(id: string, rel = `posts/2026/01/${id}.md`): PostRowInput {
  return {
    id,
    path: rel,
    slug: id,
    title: `Title ${id}`,
    status: 'published',
    createdAt: '2026-01-15T10:00:00Z',
    updatedAt: '2026-01-15T10:00:00Z',
    sortDate: '2026-01-15T10:00:00Z',
    dateKey: '2026-01-15',
    tags: [],
    categories: [],
    media: [],
    extra: {},
    body: 'Hello.\n',
    bodyLine: 1,
    mtimeMs: 1,
    size: 7,
  };
}

function openIndex() {
  const db = openIndexDb(path.join(tempDir('bds-index-'), 'index.sqlite'));
  return { db, index: new PostIndex(db.sqlite) };
}

describe('the post change log', () => {
  it('names the posts written or removed since a mark, the one a path held before included', () => {
    const { db, index } = openIndex();
    try {
      index.upsert(row('a'));
      index.upsert(row('b'));
      const mark = index.changeMark();
      expect(index.changedSince(mark, 10)).toEqual([]);
      index.upsert({ ...row('a'), title: 'Edited' });
      // c takes b's file: both changed.
      index.upsert(row('c', 'posts/2026/01/b.md'));
      expect(index.changedSince(mark, 10)!.sort()).toEqual(['a', 'b', 'c']);
      const later = index.changeMark();
      index.removeByPath('posts/2026/01/a.md');
      expect(index.changedSince(later, 10)).toEqual(['a']);
      // More than the limit: cannot tell in a short list.
      expect(index.changedSince(mark, 2)).toBeUndefined();
    } finally {
      db.close();
    }
  });

  it('cannot tell across a rebuild, another index file, or rows pruned since', () => {
    const { db, index } = openIndex();
    const other = openIndex();
    try {
      index.upsert(row('a'));
      const mark = index.changeMark();
      expect(other.index.changedSince(mark, 10)).toBeUndefined();
      expect(index.changedSince('nonsense', 10)).toBeUndefined();
      index.clear();
      index.upsert(row('a'), true);
      expect(index.changedSince(mark, 10)).toBeUndefined();

      const before = index.changeMark();
      index.upsert(row('b'));
      const after = index.changeMark();
      index.upsert(row('c'));
      // Few rows: nothing is pruned.
      index.pruneChanges(after);
      expect(index.changedSince(before, 10)).toEqual(['b', 'c']);
      index.pruneChanges(after, 0);
      expect(index.changedSince(before, 10)).toBeUndefined();
      expect(index.changedSince(after, 10)).toEqual(['c']);
      // Pruned to the last change: the log's numbers go on from where they were.
      const now = index.changeMark();
      index.pruneChanges(now, 0);
      expect(index.changeMark()).toBe(now);
      expect(index.changedSince(now, 10)).toEqual([]);
    } finally {
      db.close();
      other.db.close();
    }
  });
});
