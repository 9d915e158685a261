// One media item: a larger view, its metadata (title, alt text, caption, tags; saved when a field is
// left or Enter is pressed), the posts that use it, linking to the open post, replacing the file, delete.
import { useEffect, useRef, useState } from 'react';
import { formatBytes, hasThumbnail, markdownOf, thumbnailUrl, typeBadge } from '../media.js';
import { applyMedia, client, notify, reportError, useStore, type MediaItem } from '../store.js';
import type { OutputOf } from '../../../src/app/index.js';
import { ConfirmDialog } from './ConfirmDialog.js';

type Usage = OutputOf<'media.usage'>;

export interface MediaDetailsProps {
  item: MediaItem;
  openPost?: { id: string; title: string };
  onOpenPost(id: string): void;
  onClose(): void;
  onDeleted(): void;
}

type Field = 'title' | 'alt' | 'caption' | 'tags';

const fieldsOf = (m: MediaItem): Record<Field, string> => ({
  title: m.title ?? '',
  alt: m.alt ?? '',
  caption: m.caption ?? '',
  tags: m.tags.join(', '),
});

export function MediaDetails({ item, openPost, onOpenPost, onClose, onDeleted }: MediaDetailsProps) {
  const previewUrl = useStore((s) => s.previewUrl);
  const version = useStore((s) => s.mediaVersion);
  const postsVersion = useStore((s) => s.postsVersion);
  const [fields, setFields] = useState(() => fieldsOf(item));
  const [usage, setUsage] = useState<Usage>();
  const [confirm, setConfirm] = useState(false);
  const [replacing, setReplacing] = useState<number>();
  const [saving, setSaving] = useState(false);
  const picker = useRef<HTMLInputElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);

  // Fields follow the item when it changes elsewhere, unless the user is editing them.
  const dirty = (Object.keys(fields) as Field[]).some((k) => fields[k] !== fieldsOf(item)[k]);
  const lastItem = useRef(item);
  useEffect(() => {
    if (lastItem.current !== item && !dirty) setFields(fieldsOf(item));
    lastItem.current = item;
  }, [item, dirty]);

  useEffect(() => {
    let live = true;
    client.call('media.usage', { id: item.id }).then(
      (u) => live && setUsage(u),
      (e: unknown) => live && reportError(e, 'Finding where the file is used'),
    );
    return () => {
      live = false;
    };
  }, [item.id, version, postsVersion]);

  useEffect(() => {
    heading.current?.focus();
  }, [item.id]);

  // One save at a time; a field left while one runs is saved right after it, with the latest text.
  const latest = useRef(fields);
  latest.current = fields;
  const running = useRef<Promise<void> | undefined>(undefined);
  const save = async (): Promise<void> => {
    if (running.current) {
      await running.current;
      return save();
    }
    const f = latest.current;
    if ((Object.keys(f) as Field[]).every((k) => f[k] === fieldsOf(lastSaved.current)[k])) return;
    setSaving(true);
    running.current = (async () => {
      try {
        const tags = f.tags
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean);
        const next = await client.call('media.update', {
          id: item.id,
          title: f.title.trim() || null,
          alt: f.alt.trim() || null,
          caption: f.caption.trim() || null,
          tags,
        });
        lastSaved.current = next;
        applyMedia(next);
        if (latest.current === f) setFields(fieldsOf(next));
      } catch (e) {
        reportError(e, `Saving ${item.originalName}`);
      } finally {
        running.current = undefined;
        setSaving(false);
      }
    })();
    await running.current;
  };
  const lastSaved = useRef(item);
  useEffect(() => {
    lastSaved.current = item;
  }, [item]);

  const linked = Boolean(openPost && usage?.some((u) => u.id === openPost.id && u.linked));
  const toggleLink = async () => {
    if (!openPost) return;
    try {
      if (linked) await client.call('media.unlink', { post: openPost.id, ids: [item.id] });
      else await client.call('media.link', { post: openPost.id, ids: [item.id] });
      notify(linked ? `Unlinked from “${openPost.title}”.` : `Linked to “${openPost.title}”.`);
      setUsage(await client.call('media.usage', { id: item.id }));
    } catch (e) {
      reportError(e, linked ? 'Unlinking' : 'Linking');
    }
  };

  const replace = async (file: File | undefined) => {
    if (!file) return;
    setReplacing(0);
    try {
      const next = await client.replaceFile(item.id, file, { name: file.name }, { onProgress: setReplacing });
      applyMedia(next);
      notify(`${item.originalName} replaced by ${file.name}; posts keep their links.`);
    } catch (e) {
      reportError(e, `Replacing ${item.originalName}`);
    } finally {
      setReplacing(undefined);
    }
  };

  const remove = async () => {
    setConfirm(false);
    try {
      await client.call('media.delete', { id: item.id });
      notify(`${item.originalName} deleted.`);
      onDeleted();
    } catch (e) {
      reportError(e, `Deleting ${item.originalName}`);
    }
  };

  const field = (key: Field, label: string, multiline = false) => {
    const props = {
      id: `media-${key}`,
      value: fields[key],
      onChange: (e: React.ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) =>
        setFields((f) => ({ ...f, [key]: e.target.value })),
      onBlur: () => void save(),
    };
    return (
      <>
        <label htmlFor={`media-${key}`}>{label}</label>
        {multiline ? (
          <textarea rows={2} {...props} />
        ) : (
          <input
            {...props}
            onKeyDown={(e) => {
              if (e.key === 'Enter') void save();
            }}
          />
        )}
      </>
    );
  };

  const inBody = usage?.filter((u) => u.inBody).length ?? 0;
  const linkCount = usage?.filter((u) => u.linked).length ?? 0;

  return (
    <aside
      className="media-details"
      aria-label={`Details of ${item.originalName}`}
      onKeyDown={(e) => {
        if (e.key === 'Escape' && !confirm) {
          e.preventDefault();
          onClose();
        }
      }}
    >
      <div className="media-details-head">
        <h2 ref={heading} tabIndex={-1}>
          {item.title ?? item.originalName}
        </h2>
        {saving && (
          <span className="muted" role="status">
            Saving…
          </span>
        )}
        <button type="button" className="btn" onClick={onClose} aria-label="Close the details">
          ✕
        </button>
      </div>
      <div className="media-large">
        {previewUrl && hasThumbnail(item) ? (
          <img src={thumbnailUrl(previewUrl, item, 400)} alt={item.alt ?? ''} />
        ) : previewUrl && item.mimeType === 'image/svg+xml' ? (
          <img src={new URL(item.path, previewUrl).href} alt={item.alt ?? ''} />
        ) : (
          <span className="badge">{typeBadge(item)}</span>
        )}
      </div>
      <dl className="media-facts">
        <dt>File</dt>
        <dd title={item.path}>{item.originalName}</dd>
        <dt>Type</dt>
        <dd>
          {item.mimeType}
          {item.width && item.height ? ` · ${item.width}×${item.height}` : ''} · {formatBytes(item.size)}
        </dd>
        <dt>Added</dt>
        <dd>{item.createdAt.slice(0, 16).replace('T', ' ')}</dd>
      </dl>
      <div className="meta-grid media-fields">
        {field('title', 'Title')}
        {field('alt', 'Alt text')}
        {field('caption', 'Caption', true)}
        {field('tags', 'Tags')}
      </div>
      <div className="media-actions">
        <button
          type="button"
          className="btn"
          onClick={() => {
            void navigator.clipboard?.writeText(markdownOf(item)).then(
              () => notify('Markdown copied.'),
              () => notify(markdownOf(item)),
            );
          }}
        >
          Copy Markdown
        </button>
        {openPost && (
          <button type="button" className="btn" onClick={() => void toggleLink()} disabled={!usage}>
            {linked ? `Unlink from “${openPost.title}”` : `Link to “${openPost.title}”`}
          </button>
        )}
        <button
          type="button"
          className="btn"
          onClick={() => picker.current?.click()}
          disabled={replacing !== undefined}
        >
          Replace file…
        </button>
        <input
          ref={picker}
          type="file"
          hidden
          aria-label="New file for this item"
          onChange={(e) => {
            void replace(e.target.files?.[0]);
            e.target.value = '';
          }}
        />
        <button type="button" className="btn danger" onClick={() => setConfirm(true)}>
          Delete…
        </button>
      </div>
      {replacing !== undefined && <progress max={1} value={replacing} aria-label="Replacing the file" />}
      <section className="media-usage" aria-label="Used in">
        <h3>Used in</h3>
        {usage === undefined ? (
          <p className="muted">Looking…</p>
        ) : usage.length === 0 ? (
          <p className="muted">No post links or mentions this file.</p>
        ) : (
          <ul>
            {usage.map((u) => (
              <li key={u.id}>
                <span className={`dot ${u.status}`} aria-hidden="true" />
                <a
                  href={`#post/${encodeURIComponent(u.id)}`}
                  onClick={(e) => {
                    e.preventDefault();
                    onOpenPost(u.id);
                  }}
                >
                  {u.title || u.slug}
                </a>
                <span className="muted">
                  {[u.linked && 'linked', u.inBody && 'in the text'].filter(Boolean).join(', ')}
                </span>
              </li>
            ))}
          </ul>
        )}
      </section>
      <ConfirmDialog
        open={confirm}
        title={`Delete ${item.originalName}?`}
        message={
          `The file, its sidecar and thumbnails are removed from the project` +
          (linkCount ? `, and it is unlinked from ${linkCount} post${linkCount === 1 ? '' : 's'}` : '') +
          '.' +
          (inBody
            ? ` ${inBody} post${inBody === 1 ? ' mentions' : 's mention'} it in the text: those links will break.`
            : '') +
          ' Git keeps the last committed version.'
        }
        confirmLabel="Delete"
        onConfirm={() => void remove()}
        onCancel={() => setConfirm(false)}
      />
    </aside>
  );
}
