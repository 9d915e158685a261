// The media library: a virtual grid of thumbnails (thousands of items keep a few dozen in the page),
// search, upload by drop or file picker with progress, and the details of the chosen item beside it.
// Keyboard: arrows move in the grid, Enter or a click shows the details, Delete asks to delete.
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef, useState } from 'react';
import { hasThumbnail, thumbnailUrl, typeBadge } from '../media.js';
import { applyMedia, client, notify, refreshMedia, reportError, useStore, type MediaItem } from '../store.js';
import { MediaDetails } from './MediaDetails.js';

export interface MediaLibraryProps {
  selectedId?: string;
  onSelect(id: string | undefined): void;
  /** The post open in the editor, for "link to the open post". */
  openPost?: { id: string; title: string };
  onOpenPost(id: string): void;
}

interface Upload {
  key: number;
  name: string;
  share: number;
  error?: string;
}

const CELL = 152;
const ROW = 176;

let uploadKey = 0;

export function MediaLibrary({ selectedId, onSelect, openPost, onOpenPost }: MediaLibraryProps) {
  const media = useStore((s) => s.media);
  const previewUrl = useStore((s) => s.previewUrl);
  const [query, setQuery] = useState('');
  const [hits, setHits] = useState<MediaItem[]>();
  const [uploads, setUploads] = useState<Upload[]>([]);
  const [dragging, setDragging] = useState(false);
  const [width, setWidth] = useState(800);
  const [cursor, setCursor] = useState(0);
  const scroller = useRef<HTMLDivElement>(null);
  const picker = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (!media) void refreshMedia();
  }, [media]);

  // Search on the server as the user types (names, titles, alt texts, captions, tags).
  useEffect(() => {
    const q = query.trim();
    if (!q) {
      setHits(undefined);
      return;
    }
    const ctl = new AbortController();
    const timer = setTimeout(() => {
      client
        .call('media.search', { query: q, limit: 500 }, { signal: ctl.signal })
        .then(setHits)
        .catch((e: unknown) => {
          if (!ctl.signal.aborted) reportError(e, 'Searching the media');
        });
    }, 120);
    return () => {
      clearTimeout(timer);
      ctl.abort();
    };
  }, [query, media]);

  useEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setWidth(el.clientWidth));
    ro.observe(el);
    setWidth(el.clientWidth);
    return () => ro.disconnect();
  }, []);

  const items = hits ?? media ?? [];
  const columns = Math.max(1, Math.floor((width - 16) / CELL));
  const rowCount = Math.ceil(items.length / columns);
  const virtual = useVirtualizer({
    count: rowCount,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW,
    overscan: 3,
  });

  // The cursor follows the chosen item, and stays inside the items shown.
  useEffect(() => {
    const i = items.findIndex((m) => m.id === selectedId);
    setCursor((c) => (i >= 0 ? i : Math.min(c, Math.max(0, items.length - 1))));
  }, [items, selectedId]);

  // For `npm run bench:ui`: the moment the first thumbnails are in the page.
  const shown = items.length > 0;
  useEffect(() => {
    if (shown) performance.mark('bds:media-grid');
  }, [shown]);

  const selected = useMemo(
    () =>
      selectedId
        ? (media?.find((m) => m.id === selectedId) ?? hits?.find((m) => m.id === selectedId))
        : undefined,
    [media, hits, selectedId],
  );

  const move = (to: number) => {
    const i = Math.max(0, Math.min(items.length - 1, to));
    setCursor(i);
    virtual.scrollToIndex(Math.floor(i / columns), { align: 'auto' });
  };

  const onKey = (e: React.KeyboardEvent) => {
    if (e.key === 'ArrowRight') move(cursor + 1);
    else if (e.key === 'ArrowLeft') move(cursor - 1);
    else if (e.key === 'ArrowDown') move(cursor + columns);
    else if (e.key === 'ArrowUp') move(cursor - columns);
    else if (e.key === 'Home') move(0);
    else if (e.key === 'End') move(items.length - 1);
    else if (e.key === 'PageDown') move(cursor + columns * 4);
    else if (e.key === 'PageUp') move(cursor - columns * 4);
    else if ((e.key === 'Enter' || e.key === ' ') && items[cursor]) onSelect(items[cursor]!.id);
    else return;
    e.preventDefault();
  };

  const upload = async (files: File[]) => {
    if (files.length === 0) return;
    const entries = files.map((f) => ({ key: ++uploadKey, name: f.name || 'pasted file', share: 0 }));
    setUploads((u) => [...u, ...entries]);
    const patch = (key: number, p: Partial<Upload>) =>
      setUploads((u) => u.map((x) => (x.key === key ? { ...x, ...p } : x)));
    let last: MediaItem | undefined;
    let done = 0;
    // One after the other: the server makes thumbnails for each, and the order stays the user's.
    for (const [i, file] of files.entries()) {
      const { key } = entries[i]!;
      try {
        const out = await client.upload(
          file,
          { name: file.name || 'pasted-file' },
          { onProgress: (share) => patch(key, { share }) },
        );
        const result = out.results[0];
        if (!result?.record) throw new Error(result?.error ?? `${file.name} could not be imported`);
        applyMedia(result.record);
        last = result.record;
        done++;
        patch(key, { share: 1 });
        setTimeout(() => setUploads((u) => u.filter((x) => x.key !== key)), 1500);
      } catch (e) {
        patch(key, { error: e instanceof Error ? e.message : String(e) });
      }
    }
    if (done > 0)
      notify(`${done} of ${files.length} file${files.length === 1 ? '' : 's'} added to the media library.`);
    if (last) {
      setQuery('');
      onSelect(last.id);
    }
  };

  return (
    <div className={`media-pane ${selected ? 'with-details' : ''}`}>
      <section
        className="media-main"
        aria-label="Media library"
        onDragOver={(e) => {
          if (!e.dataTransfer.types.includes('Files')) return;
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={(e) => {
          if (e.currentTarget.contains(e.relatedTarget as Node | null)) return;
          setDragging(false);
        }}
        onDrop={(e) => {
          e.preventDefault();
          setDragging(false);
          void upload([...e.dataTransfer.files]);
        }}
      >
        <div className="list-tools media-tools">
          <label className="visually-hidden" htmlFor="media-search">
            Search media
          </label>
          <input
            id="media-search"
            className="search"
            type="search"
            placeholder="Search names, titles, alt text, tags…"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'ArrowDown') {
                e.preventDefault();
                scroller.current?.focus();
              }
            }}
          />
          <span className="media-count" aria-live="polite">
            {media === undefined
              ? 'Reading…'
              : hits
                ? `${hits.length} found`
                : `${media.length} item${media.length === 1 ? '' : 's'}`}
          </span>
          <button type="button" className="btn primary" onClick={() => picker.current?.click()}>
            Upload…
          </button>
          <input
            ref={picker}
            type="file"
            multiple
            hidden
            aria-label="Files to upload"
            onChange={(e) => {
              void upload([...(e.target.files ?? [])]);
              e.target.value = '';
            }}
          />
        </div>
        {uploads.length > 0 && (
          <ul className="uploads" aria-label="Uploads">
            {uploads.map((u) => (
              <li key={u.key} className={u.error ? 'error' : ''}>
                <span className="name">{u.name}</span>
                {u.error ? (
                  <>
                    <span className="msg" role="alert">
                      {u.error}
                    </span>
                    <button
                      type="button"
                      className="btn"
                      onClick={() => setUploads((all) => all.filter((x) => x.key !== u.key))}
                    >
                      Dismiss
                    </button>
                  </>
                ) : (
                  <progress max={1} value={u.share} aria-label={`Uploading ${u.name}`} />
                )}
              </li>
            ))}
          </ul>
        )}
        <div
          ref={scroller}
          className="media-grid"
          role="listbox"
          aria-label="Media"
          tabIndex={0}
          aria-activedescendant={items[cursor] ? `media-${items[cursor]!.id}` : undefined}
          onKeyDown={onKey}
        >
          <div style={{ height: virtual.getTotalSize(), position: 'relative' }}>
            {virtual.getVirtualItems().map((row) => (
              <div
                key={row.key}
                className="media-row"
                style={{
                  transform: `translateY(${row.start}px)`,
                  gridTemplateColumns: `repeat(${columns}, ${CELL - 8}px)`,
                }}
              >
                {items.slice(row.index * columns, row.index * columns + columns).map((m, k) => {
                  const i = row.index * columns + k;
                  return (
                    <div
                      key={m.id}
                      id={`media-${m.id}`}
                      role="option"
                      aria-label={m.title ?? m.originalName}
                      aria-selected={m.id === selectedId}
                      className={`media-cell ${i === cursor ? 'cursor' : ''}`}
                      title={m.originalName}
                      onClick={() => {
                        setCursor(i);
                        onSelect(m.id);
                      }}
                    >
                      <div className="thumb">
                        {previewUrl && hasThumbnail(m) ? (
                          <img
                            src={thumbnailUrl(previewUrl, m, 150)}
                            alt={m.alt ?? ''}
                            loading="lazy"
                            decoding="async"
                          />
                        ) : previewUrl && m.mimeType === 'image/svg+xml' ? (
                          <img src={new URL(m.path, previewUrl).href} alt={m.alt ?? ''} loading="lazy" />
                        ) : (
                          <span className="badge">{typeBadge(m)}</span>
                        )}
                      </div>
                      <span className="label">{m.title ?? m.originalName}</span>
                    </div>
                  );
                })}
              </div>
            ))}
          </div>
          {media !== undefined && items.length === 0 && (
            <div className="media-empty">
              {hits ? (
                <p>Nothing matches “{query}”.</p>
              ) : (
                <>
                  <h2>No media yet</h2>
                  <p>
                    Drop images or files here, or choose <strong>Upload…</strong>. Each file is copied into{' '}
                    <code>media/</code> with a small YAML sidecar for its title, alt text and tags; posts link
                    to it by its path. Pasting an image into a post adds it here too.
                  </p>
                </>
              )}
            </div>
          )}
        </div>
        {dragging && (
          <div className="drop-overlay" aria-hidden="true">
            Drop to add to the media library
          </div>
        )}
      </section>
      {selected && (
        <MediaDetails
          key={selected.id}
          item={selected}
          openPost={openPost}
          onOpenPost={onOpenPost}
          onClose={() => {
            onSelect(undefined);
            scroller.current?.focus();
          }}
          onDeleted={() => {
            applyMedia(selected, true);
            onSelect(undefined);
          }}
        />
      )}
    </div>
  );
}
