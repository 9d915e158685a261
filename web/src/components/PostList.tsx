// The posts: search as you type (the server's full-text index), sections by status, newest first or by
// title, a virtual list so ten thousand rows scroll like ten, arrow keys to move and Enter to open.
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef, useState } from 'react';
import { client, reportError, useStore, type PostSummary } from '../store.js';

type Section = 'all' | 'draft' | 'published' | 'archived';
const SECTIONS: [Section, string][] = [
  ['all', 'All'],
  ['draft', 'Drafts'],
  ['published', 'Published'],
  ['archived', 'Archived'],
];

export interface PostListProps {
  selectedId?: string;
  onOpen(id: string): void;
  onNew(): void;
  onNewPage(): void;
  searchRef: React.RefObject<HTMLInputElement | null>;
}

function shortDate(iso: string): string {
  return iso.slice(0, 10);
}

export function PostList({ selectedId, onOpen, onNew, onNewPage, searchRef }: PostListProps) {
  const posts = useStore((s) => s.posts);
  const ready = useStore((s) => s.ready);
  const [query, setQuery] = useState('');
  const [section, setSection] = useState<Section>('all');
  const [sort, setSort] = useState<'date' | 'title'>('date');
  const [hits, setHits] = useState<string[] | undefined>(undefined);
  const [tag, setTag] = useState('');
  const [category, setCategory] = useState('');
  const [month, setMonth] = useState('');
  const [cursor, setCursor] = useState(0);
  const scroller = useRef<HTMLDivElement>(null);

  // Search on the server as the user types; the last answer wins.
  useEffect(() => {
    const q = query.trim();
    if (!q) {
      setHits(undefined);
      return;
    }
    const controller = new AbortController();
    const timer = setTimeout(() => {
      client
        .call('posts.search', { query: q, limit: 200 }, { signal: controller.signal })
        .then((r) => setHits(r.map((h) => h.id)))
        .catch((e: unknown) => {
          if (!controller.signal.aborted) reportError(e, 'Search');
        });
    }, 60);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [query, posts]);

  const rows = useMemo(() => {
    let list: PostSummary[] = posts;
    if (hits) {
      const byId = new Map(posts.map((p) => [p.id, p]));
      list = hits.flatMap((id) => (byId.has(id) ? [byId.get(id)!] : []));
    }
    if (section !== 'all') list = list.filter((p) => p.status === section);
    if (tag) list = list.filter((p) => p.tags.includes(tag));
    if (category) list = list.filter((p) => p.categories.includes(category));
    if (month) list = list.filter((p) => p.dateKey.startsWith(month));
    if (!hits) {
      list = [...list].sort((a, b) =>
        sort === 'title'
          ? a.title.localeCompare(b.title)
          : (b.publishedAt ?? b.createdAt).localeCompare(a.publishedAt ?? a.createdAt),
      );
    }
    return list;
  }, [posts, hits, section, sort, tag, category, month]);

  // What the filters offer: the tags, categories and months the posts have.
  const options = useMemo(() => {
    const tags = new Set<string>();
    const categories = new Set<string>();
    const months = new Set<string>();
    for (const p of posts) {
      p.tags.forEach((t) => tags.add(t));
      p.categories.forEach((c) => categories.add(c));
      months.add(p.dateKey.slice(0, 7));
    }
    const sorted = (set: Set<string>) => [...set].sort((a, b) => a.localeCompare(b));
    return { tags: sorted(tags), categories: sorted(categories), months: [...months].sort().reverse() };
  }, [posts]);
  const filtered = Boolean(tag || category || month);

  const counts = useMemo(() => {
    const c: Record<Section, number> = { all: posts.length, draft: 0, published: 0, archived: 0 };
    for (const p of posts) c[p.status]++;
    return c;
  }, [posts]);

  const virtual = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => 30,
    overscan: 12,
  });

  // For `npm run bench:ui`: the moment the first rows are in the page.
  const hasRows = rows.length > 0;
  useEffect(() => {
    if (hasRows && performance.getEntriesByName('bds:first-rows').length === 0) {
      performance.mark('bds:first-rows');
    }
  }, [hasRows]);

  // The cursor follows the open post, and stays on a row when the rows change (a search, a section).
  useEffect(() => {
    const i = rows.findIndex((p) => p.id === selectedId);
    setCursor((c) => (i >= 0 ? i : Math.min(c, Math.max(0, rows.length - 1))));
  }, [rows, selectedId]);

  const move = (to: number) => {
    const i = Math.max(0, Math.min(rows.length - 1, to));
    setCursor(i);
    virtual.scrollToIndex(i, { align: 'auto' });
  };

  const onKey = (e: React.KeyboardEvent) => {
    if (e.key === 'ArrowDown') move(cursor + 1);
    else if (e.key === 'ArrowUp') move(cursor - 1);
    else if (e.key === 'Home') move(0);
    else if (e.key === 'End') move(rows.length - 1);
    else if (e.key === 'PageDown') move(cursor + 15);
    else if (e.key === 'PageUp') move(cursor - 15);
    else if (e.key === 'Enter' && rows[cursor]) onOpen(rows[cursor]!.id);
    else return;
    e.preventDefault();
  };

  const active = rows[cursor];
  return (
    <section className="list-pane" aria-label="Posts">
      <div className="list-tools">
        <div className="row search-row">
          <label className="visually-hidden" htmlFor="post-search">
            Search posts
          </label>
          <input
            id="post-search"
            ref={searchRef}
            className="search"
            type="search"
            placeholder="Search posts"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'ArrowDown' || e.key === 'Enter') {
                // From the search to the results, starting at the first.
                e.preventDefault();
                setCursor(0);
                scroller.current?.focus();
              }
            }}
          />
          <label className="visually-hidden" htmlFor="post-sort">
            Sort
          </label>
          <select
            id="post-sort"
            className="btn sort"
            value={sort}
            disabled={Boolean(hits)}
            onChange={(e) => setSort(e.target.value as 'date' | 'title')}
          >
            <option value="date">Newest</option>
            <option value="title">A–Z</option>
          </select>
          <button
            type="button"
            className="btn primary push-right"
            onClick={onNew}
            aria-label="New post"
            title="New post"
          >
            + New
          </button>
          <button type="button" className="btn" onClick={onNewPage} title="New page (served at /slug/)">
            + Page
          </button>
        </div>
        <div className="row">
          <div className="segmented" role="group" aria-label="Status">
            {SECTIONS.map(([key, label]) => (
              <button
                key={key}
                type="button"
                aria-pressed={section === key}
                onClick={() => setSection(key)}
                title={`${label} (${counts[key]})`}
              >
                {label}
                <span className="count" aria-hidden="true">
                  {counts[key]}
                </span>
              </button>
            ))}
          </div>
        </div>
      </div>
      <div className="list-tools filters">
        <div className="row">
          <label className="visually-hidden" htmlFor="filter-tag">
            Tag
          </label>
          <select id="filter-tag" className="btn sort" value={tag} onChange={(e) => setTag(e.target.value)}>
            <option value="">Tag</option>
            {options.tags.map((t) => (
              <option key={t} value={t}>
                #{t}
              </option>
            ))}
          </select>
          <label className="visually-hidden" htmlFor="filter-category">
            Category
          </label>
          <select
            id="filter-category"
            className="btn sort"
            value={category}
            onChange={(e) => setCategory(e.target.value)}
          >
            <option value="">Category</option>
            {options.categories.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
          <label className="visually-hidden" htmlFor="filter-month">
            Month
          </label>
          <select
            id="filter-month"
            className="btn sort"
            value={month}
            onChange={(e) => setMonth(e.target.value)}
          >
            <option value="">Month</option>
            {/* A year, then its months: "2026" keeps the whole year, "2026-01" one month. */}
            {[...new Set(options.months.map((m) => m.slice(0, 4)))].map((year) => (
              <optgroup key={year} label={year}>
                <option value={year}>{year}, all year</option>
                {options.months
                  .filter((m) => m.startsWith(year))
                  .map((m) => (
                    <option key={m} value={m}>
                      {m}
                    </option>
                  ))}
              </optgroup>
            ))}
          </select>
          {filtered && (
            <button
              type="button"
              className="btn sort"
              onClick={() => {
                setTag('');
                setCategory('');
                setMonth('');
              }}
            >
              Clear
            </button>
          )}
        </div>
      </div>
      <div
        ref={scroller}
        className="post-list"
        role="listbox"
        aria-label="Posts"
        tabIndex={0}
        aria-activedescendant={active ? `post-${active.id}` : undefined}
        onKeyDown={onKey}
      >
        {ready && rows.length === 0 ? (
          <p className="list-empty">
            {query
              ? `No post matches “${query}”.`
              : filtered
                ? 'No post matches these filters.'
                : 'No posts here yet. “New post” starts one.'}
          </p>
        ) : (
          <div style={{ height: virtual.getTotalSize(), position: 'relative' }}>
            {virtual.getVirtualItems().map((item) => {
              const p = rows[item.index]!;
              return (
                <div
                  key={p.id}
                  id={`post-${p.id}`}
                  role="option"
                  aria-selected={p.id === selectedId}
                  className={`post-row ${item.index === cursor ? 'cursor' : ''}`}
                  style={{ transform: `translateY(${item.start}px)` }}
                  onClick={() => {
                    setCursor(item.index);
                    onOpen(p.id);
                  }}
                >
                  <span className={`dot ${p.status}`} title={p.status} aria-label={p.status} />
                  <span className="title">{p.title}</span>
                  {p.hasDraft && (
                    <span className="pending-mark" title="Pending edits" aria-label="pending edits">
                      *
                    </span>
                  )}
                  <span className="date">{shortDate(p.publishedAt ?? p.createdAt)}</span>
                </div>
              );
            })}
          </div>
        )}
      </div>
    </section>
  );
}
