// One post open for writing: title, Markdown body, metadata, autosave (debounced, on Ctrl/Cmd-S, and
// when the page goes away), the post's state changes, and a choice when the file changed on disk while
// there were unsaved edits: nothing typed is ever lost.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { ApiError } from '../../../src/client/index.js';
import {
  applySavedPost,
  client,
  getState,
  notify,
  refreshScripts,
  reportError,
  useStore,
  type Post,
} from '../store.js';
import type { MacroCatalogue } from './macro-marks.js';
import { ConfirmDialog } from './ConfirmDialog.js';
import { DiskConflict } from './DiskConflict.js';
import { MarkdownEditor } from './MarkdownEditor.js';
import { TagInput } from './TagInput.js';
import { takeGoto } from '../goto.js';

const AUTOSAVE_MS = 700;

interface Draft {
  title: string;
  body: string;
  tags: string;
  categories: string;
  excerpt: string;
  slug: string;
  template: string;
  language: string;
  author: string;
}

const text = (v: unknown, fallback: string | undefined | null) =>
  typeof v === 'string' ? v : v === null ? '' : (fallback ?? '');
const orNull = (v: string) => (v.trim() === '' ? null : v.trim());

/** What the user edits: the pending edits of a published post when it has them, else the post. */
function draftOf(p: Post): Draft {
  const pending = p.pending;
  const data = (pending?.data ?? {}) as Record<string, unknown>;
  const list = (v: unknown, fallback: string[]) => (Array.isArray(v) ? (v as string[]) : fallback).join(', ');
  return {
    title: pending?.title ?? p.title,
    body: pending?.body ?? p.body,
    tags: list(data.tags, p.tags),
    categories: list(data.categories, p.categories),
    excerpt: typeof data.excerpt === 'string' ? data.excerpt : (p.excerpt ?? ''),
    slug: p.slug,
    template: text(data.template, p.template),
    language: text(data.language, p.language),
    author: text(data.author, p.author),
  };
}

const splitList = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

function words(text: string): number {
  return (text.match(/[\p{L}\p{N}’'-]+/gu) ?? []).length;
}

type SaveState = 'saved' | 'unsaved' | 'saving' | 'error';

export interface PostEditorProps {
  postId: string;
  onDeleted(): void;
  onSaved?(post: Post): void;
  /** The title and body as typed, for the live preview. */
  onDraftChange?(draft: { title: string; body: string }): void;
  /** The share of the body scrolled past (the preview follows). */
  onScroll?(share: number): void;
}

export function PostEditor({ postId, onDeleted, onSaved, onDraftChange, onScroll }: PostEditorProps) {
  const [comparing, setComparing] = useState(false);
  // The details panel stays as the writer left it (open the first time).
  const [detailsOpen, setDetailsOpen] = useState(() => localStorage.getItem('bds-details-open') !== '0');
  const [post, setPost] = useState<Post>();
  const [draft, setDraft] = useState<Draft>();
  const [saveState, setSaveState] = useState<SaveState>('saved');
  const [fieldError, setFieldError] = useState<{ field: string; message: string }>();
  const [conflict, setConflict] = useState<Post>();
  // A line asked for from elsewhere (a build failure, a problem): the cursor goes there once shown.
  const [cursorAt, setCursorAt] = useState<{ line: number; column: number; seq: number }>();
  const postPath = post?.path;
  const pendingPath = post?.pending?.path;
  const bodyLine = post?.bodyLine;
  useEffect(() => {
    if (!postPath || bodyLine === undefined) return;
    const take = () => {
      const t = takeGoto(postPath) ?? (pendingPath ? takeGoto(pendingPath) : undefined);
      if (t?.line)
        setCursorAt({ line: t.line - bodyLine + 1, column: t.column ?? 1, seq: performance.now() });
    };
    take();
    window.addEventListener('bds-goto', take);
    return () => window.removeEventListener('bds-goto', take);
  }, [postPath, pendingPath, bodyLine]);
  const [confirm, setConfirm] = useState<'delete' | 'discard'>();
  const saved = useRef<Draft | undefined>(undefined);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const latest = useRef<Draft | undefined>(undefined);
  latest.current = draft;
  const postsVersion = useStore((s) => s.postsVersion);
  const [templates, setTemplates] = useState<string[]>([]);
  // The macro scripts, for the macro marks and completion in the editor (read once, then kept current).
  const scripts = useStore((s) => s.scripts);
  useEffect(() => {
    if (!getState().scripts) void refreshScripts();
  }, []);
  const macros = useMemo<MacroCatalogue>(
    () =>
      new Map(
        (scripts ?? [])
          .filter((s) => s.kind === 'macro')
          .map((s) => [
            s.slug.toLowerCase(),
            {
              slug: s.slug,
              title: s.title,
              path: s.path,
              enabled: s.enabled,
              trusted: s.trusted,
              params: s.params,
            },
          ]),
      ),
    [scripts],
  );
  useEffect(() => {
    client.call('templates.list', {}).then(
      (all) => setTemplates(all.map((t) => t.name).filter((n) => !n.startsWith('_') && !n.includes('/'))),
      () => undefined, // Completion only: typing a name still works.
    );
  }, []);

  const load = useCallback(async () => {
    try {
      const p = await client.call('posts.get', { ref: postId });
      const d = draftOf(p);
      setPost(p);
      setDraft(d);
      saved.current = d;
      setSaveState('saved');
      setConflict(undefined);
    } catch (e) {
      reportError(e, 'Opening the post');
    }
  }, [postId]);

  useEffect(() => {
    void load();
  }, [load]);

  const dirty = () => {
    const d = latest.current;
    const s = saved.current;
    return Boolean(d && s && JSON.stringify(d) !== JSON.stringify(s));
  };

  const save = useCallback(async () => {
    clearTimeout(timer.current);
    const d = latest.current;
    if (!d || !post || !dirty()) return;
    setSaveState('saving');
    setFieldError(undefined);
    try {
      const updated = await client.call('posts.update', {
        ref: post.id,
        title: d.title,
        body: d.body,
        tags: splitList(d.tags),
        categories: splitList(d.categories),
        excerpt: d.excerpt.trim() === '' ? null : d.excerpt,
        template: orNull(d.template),
        language: orNull(d.language),
        author: orNull(d.author),
        ...(post.status === 'published' || d.slug === post.slug ? {} : { slug: d.slug }),
      });
      saved.current = d;
      setPost(updated);
      applySavedPost(updated);
      setSaveState(JSON.stringify(latest.current) === JSON.stringify(d) ? 'saved' : 'unsaved');
      onSaved?.(updated);
    } catch (e) {
      setSaveState('error');
      const field = e instanceof ApiError ? /"(\w+)"/.exec(e.message)?.[1] : undefined;
      if (field) setFieldError({ field, message: (e as Error).message });
      reportError(e, 'Saving');
    }
    // `dirty` reads refs only.
  }, [post, onSaved]);

  const edit = (patch: Partial<Draft>) => {
    setDraft((d) => (d ? { ...d, ...patch } : d));
    const d = latest.current;
    if (d && (patch.title !== undefined || patch.body !== undefined)) {
      onDraftChange?.({ title: patch.title ?? d.title, body: patch.body ?? d.body });
    }
    setSaveState('unsaved');
    clearTimeout(timer.current);
    timer.current = setTimeout(() => void save(), AUTOSAVE_MS);
  };

  // Save when leaving: switching posts, closing the tab.
  useEffect(() => {
    const beforeUnload = () => {
      const d = latest.current;
      if (!d || !post || !dirty()) return;
      void fetch(`/api/posts/${encodeURIComponent(post.id)}`, {
        method: 'PATCH',
        keepalive: true,
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ title: d.title, body: d.body }),
      });
    };
    window.addEventListener('beforeunload', beforeUnload);
    return () => {
      window.removeEventListener('beforeunload', beforeUnload);
      void save();
    };
  }, [post, save]);

  // The file changed on disk (another editor, a pull, the CLI): take it, or ask when edits are unsaved.
  useEffect(() => {
    if (!post) return;
    const paths = getState().externalPaths;
    const mine = [post.path, post.pending?.path, `drafts/${post.id}.md`].filter(Boolean);
    if (!paths.some((p) => mine.includes(p))) return;
    void client
      .call('posts.get', { ref: post.id })
      .then((disk) => {
        if (!dirty()) {
          const d = draftOf(disk);
          setPost(disk);
          setDraft(d);
          saved.current = d;
          notify(`“${disk.title}” changed on disk and was reloaded.`);
        } else {
          setConflict(disk);
        }
      })
      .catch((e: unknown) => reportError(e, 'Reading the changed post'));
    // Runs when the posts change; reads the rest from refs.
  }, [postsVersion]);

  const act = async (name: 'posts.publish' | 'posts.unpublish' | 'posts.archive' | 'posts.discard') => {
    await save();
    try {
      const p = await client.call(name, { ref: postId });
      const d = draftOf(p);
      setPost(p);
      setDraft(d);
      saved.current = d;
      setSaveState('saved');
    } catch (e) {
      reportError(e);
    }
  };

  if (!post || !draft) return <div className="editor-pane" aria-busy="true" />;

  const published = post.status === 'published';
  return (
    <section className="editor-pane" aria-label="Editor">
      <div className="editor-title">
        <label className="visually-hidden" htmlFor="post-title">
          Title
        </label>
        <input
          id="post-title"
          className="title-input"
          value={draft.title}
          onChange={(e) => edit({ title: e.target.value })}
          placeholder="Title"
        />
      </div>
      <div className="editor-head" role="toolbar" aria-label="Post actions">
        <span className={`dot ${post.status}`} aria-hidden="true" />
        <span className="status-word">{post.status}</span>
        <span className={`save-state ${saveState === 'error' ? 'error' : ''}`} role="status">
          {saveState === 'saved'
            ? post.hasDraft
              ? 'Pending edits saved'
              : 'Saved'
            : saveState === 'saving'
              ? 'Saving…'
              : saveState === 'error'
                ? 'Not saved'
                : 'Edited'}
        </span>
        {post.status !== 'published' && (
          <button type="button" className="btn primary" onClick={() => void act('posts.publish')}>
            Publish
          </button>
        )}
        {published && post.hasDraft && (
          <>
            <button type="button" className="btn primary" onClick={() => void act('posts.publish')}>
              Publish edits
            </button>
            <button type="button" className="btn" onClick={() => setConfirm('discard')}>
              Discard edits
            </button>
            <button
              type="button"
              className="btn"
              aria-pressed={comparing}
              title="Show the pending edits against the published text"
              onClick={() => setComparing((c) => !c)}
            >
              Compare
            </button>
          </>
        )}
        {published && (
          <button type="button" className="btn" onClick={() => void act('posts.unpublish')}>
            Unpublish
          </button>
        )}
        {post.status !== 'archived' && (
          <button type="button" className="btn" onClick={() => void act('posts.archive')}>
            Archive
          </button>
        )}
        <button type="button" className="btn danger" onClick={() => setConfirm('delete')}>
          Delete
        </button>
      </div>
      {conflict && (
        <DiskConflict
          what="post"
          diskText={draftOf(conflict).body}
          onKeepMine={() => {
            // Mine: saved over the disk version.
            saved.current = draftOf(conflict);
            setPost(conflict);
            setConflict(undefined);
            void save();
          }}
          onTakeDisk={() => {
            const d = draftOf(conflict);
            setPost(conflict);
            setDraft(d);
            saved.current = d;
            setSaveState('saved');
            setConflict(undefined);
          }}
        />
      )}
      {comparing && published && post.hasDraft && draft.title !== post.title && (
        <p className="compare-title">
          Title: <del>{post.title}</del> → <ins>{draft.title}</ins>
        </p>
      )}
      <MarkdownEditor
        label="Post body (Markdown)"
        original={comparing && published && post.hasDraft ? post.body : undefined}
        macros={macros}
        cursorAt={cursorAt}
        onScroll={onScroll}
        value={draft.body}
        onChange={(body) => edit({ body })}
        onSave={() => void save()}
        onFile={async (file) => {
          try {
            const out = await client.upload(file, { name: file.name || 'pasted-image.png', post: post.id });
            const result = out.results[0];
            const record = result?.record;
            if (!record) throw new Error(result?.error ?? `${file.name} could not be imported`);
            notify(`${record.originalName} added to the media library and linked to this post.`);
            const label = (record.title ?? record.originalName).replace(/[[\]]/g, '');
            const url = `/${record.path.split('/').map(encodeURIComponent).join('/')}`;
            return record.mimeType.startsWith('image/') ? `![${label}](${url})` : `[${label}](${url})`;
          } catch (e) {
            reportError(e, `Adding ${file.name}`);
            throw e;
          }
        }}
      />
      <details
        className="meta"
        open={detailsOpen}
        onToggle={(e) => {
          const open = (e.currentTarget as HTMLDetailsElement).open;
          localStorage.setItem('bds-details-open', open ? '1' : '0');
          setDetailsOpen(open);
        }}
      >
        <summary>Details</summary>
        <div className="meta-grid">
          <label htmlFor="post-slug">Slug</label>
          <input
            id="post-slug"
            value={draft.slug}
            readOnly={published}
            title={published ? 'The slug of a published post never changes' : undefined}
            onChange={(e) => edit({ slug: e.target.value })}
          />
          {fieldError?.field === 'slug' && <span className="field-error">{fieldError.message}</span>}
          <label htmlFor="post-tags">Tags</label>
          <TagInput value={draft.tags} onChange={(tags) => edit({ tags })} />
          <label htmlFor="post-categories">Categories</label>
          <input
            id="post-categories"
            value={draft.categories}
            placeholder="article"
            onChange={(e) => edit({ categories: e.target.value })}
          />
          <label htmlFor="post-excerpt">Excerpt</label>
          <input
            id="post-excerpt"
            value={draft.excerpt}
            onChange={(e) => edit({ excerpt: e.target.value })}
          />
          <label htmlFor="post-template">Template</label>
          <input
            id="post-template"
            value={draft.template}
            list="post-template-names"
            placeholder="the theme's post template"
            onChange={(e) => edit({ template: e.target.value })}
          />
          <datalist id="post-template-names">
            {templates.map((t) => (
              <option key={t} value={t} />
            ))}
          </datalist>
          <label htmlFor="post-language">Language</label>
          <input
            id="post-language"
            value={draft.language}
            placeholder="the site's language"
            onChange={(e) => edit({ language: e.target.value })}
          />
          <label htmlFor="post-author">Author</label>
          <input
            id="post-author"
            value={draft.author}
            placeholder="the site's author"
            onChange={(e) => edit({ author: e.target.value })}
          />
        </div>
      </details>
      <div className="editor-foot">
        <span>{words(draft.body)} words</span>
        <span className="path" title={post.path}>
          {post.path}
        </span>
        <span>
          <kbd>Ctrl</kbd>+<kbd>S</kbd> saves now
        </span>
      </div>
      <ConfirmDialog
        open={confirm === 'delete'}
        title={`Delete “${post.title}”?`}
        message="The post file is removed from the project. With git you can still get it back from history."
        confirmLabel="Delete"
        onCancel={() => setConfirm(undefined)}
        onConfirm={async () => {
          setConfirm(undefined);
          clearTimeout(timer.current);
          saved.current = latest.current;
          try {
            await client.call('posts.delete', { ref: post.id });
            onDeleted();
          } catch (e) {
            reportError(e, 'Deleting');
          }
        }}
      />
      <ConfirmDialog
        open={confirm === 'discard'}
        title="Discard the pending edits?"
        message="The published version stays as it is; the edits waiting in drafts/ are removed."
        confirmLabel="Discard edits"
        onCancel={() => setConfirm(undefined)}
        onConfirm={() => {
          setConfirm(undefined);
          clearTimeout(timer.current);
          saved.current = latest.current;
          void act('posts.discard');
        }}
      />
    </section>
  );
}
