// A post or list of the site as the edited template makes it, before it is saved: the frame (preview
// origin) shows the page and, sent the template's text, renders it again with that text and swaps its
// document. A save reloads it with the saved template.
import { useEffect, useMemo, useRef, useState } from 'react';
import { useStore } from '../store.js';

export interface TemplatePreviewProps {
  templateName: string;
  /** The editor's text. */
  text: string;
  /** The text differs from what the site uses now: the frame shows it rendered. */
  edited: boolean;
  /** Called when the frame shows text `seq` (tests wait on it through the status line). */
  onRendered?(seq: number, ok: boolean): void;
  /** Back to the editor, on a window where they take turns. */
  onEdit?(): void;
}

/** Wait after the last keystroke before rendering. */
const DEBOUNCE_MS = 150;
/** Posts offered in the chooser (newest first): enough to find one, few enough for a select. */
const MAX_POSTS = 200;
/** Templates a list page shows best; the others preview on a post. */
const LIST_TEMPLATES = new Set(['list', 'post-summary', 'pagination']);

type Target = { kind: 'post'; postId: string } | { kind: 'list'; path: string };

const encodeTarget = (t: Target) => (t.kind === 'post' ? `post:${t.postId}` : `list:${t.path}`);
const decodeTarget = (v: string): Target =>
  v.startsWith('post:') ? { kind: 'post', postId: v.slice(5) } : { kind: 'list', path: v.slice(5) };

export function TemplatePreview({ templateName, text, edited, onRendered, onEdit }: TemplatePreviewProps) {
  const previewUrl = useStore((s) => s.previewUrl);
  const posts = useStore((s) => s.posts);
  const frame = useRef<HTMLIFrameElement>(null);
  const seq = useRef(0);
  const [state, setState] = useState<'saved' | 'rendering' | 'edited' | 'error'>('saved');
  const origin = previewUrl ? new URL(previewUrl).origin : undefined;
  const shown = useMemo(() => posts.slice(0, MAX_POSTS), [posts]);
  const [choice, setChoice] = useState<string>();
  const fallback: Target =
    LIST_TEMPLATES.has(templateName) || shown.length === 0
      ? { kind: 'list', path: '/' }
      : { kind: 'post', postId: (shown.find((p) => p.status === 'published') ?? shown[0])!.id };
  const target = choice ? decodeTarget(choice) : fallback;
  const latest = useRef({ text, edited, target });
  latest.current = { text, edited, target };

  const send = () => {
    const win = frame.current?.contentWindow;
    const { text: t, edited: e, target: to } = latest.current;
    if (!win || !origin || !e) return;
    const n = ++seq.current;
    setState('rendering');
    win.postMessage(
      {
        type: 'bds-template',
        templateName,
        text: t,
        ...(to.kind === 'post' ? { postId: to.postId } : { path: to.path }),
        seq: n,
      },
      origin,
    );
  };

  useEffect(() => {
    if (!edited) return;
    const timer = setTimeout(send, DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [text, edited]);

  useEffect(() => {
    const onMessage = (e: MessageEvent) => {
      if (e.origin !== origin || e.source !== frame.current?.contentWindow) return;
      const m = e.data as { type?: string; seq?: number; ok?: boolean };
      if (m?.type !== 'bds-template-rendered' || m.seq !== seq.current) return;
      setState(m.ok ? 'edited' : 'error');
      onRendered?.(m.seq, m.ok === true);
    };
    window.addEventListener('message', onMessage);
    return () => window.removeEventListener('message', onMessage);
  }, [origin, onRendered]);

  if (!previewUrl) return <section className="preview-pane" aria-label="Preview" />;
  const src = new URL(
    target.kind === 'post' ? `_draft/${encodeURIComponent(target.postId)}/` : target.path.slice(1),
    previewUrl,
  ).href;
  const status = !edited
    ? 'As saved'
    : state === 'rendering'
      ? 'Rendering the edited template…'
      : state === 'error'
        ? 'The edited template fails: see the page'
        : 'With your unsaved edits';
  return (
    <section className="preview-pane" aria-label="Preview">
      <div className="preview-head template-preview-head">
        {onEdit && (
          <button type="button" className="btn narrow-only" onClick={onEdit}>
            Edit
          </button>
        )}
        <label htmlFor="template-preview-target">Preview on</label>
        <select
          id="template-preview-target"
          value={encodeTarget(target)}
          onChange={(e) => setChoice(e.target.value)}
        >
          <optgroup label="Lists">
            <option value="list:/">Home page (/)</option>
          </optgroup>
          {shown.length > 0 && (
            <optgroup label="Posts">
              {shown.map((p) => (
                <option key={p.id} value={`post:${p.id}`}>
                  {p.title}
                  {p.status === 'draft' ? ' (draft)' : ''}
                </option>
              ))}
            </optgroup>
          )}
        </select>
        <span
          className={`grow template-preview-state ${state === 'error' && edited ? 'error' : ''}`}
          role="status"
        >
          {status}
        </span>
        <a href={src} target="_blank" rel="noreferrer">
          Open in a tab
        </a>
      </div>
      {/* A new frame per page: navigating the old one could lose to its own live reload. */}
      <iframe
        key={src}
        ref={frame}
        title="Preview with the template"
        src={src}
        onLoad={() => {
          // A fresh page (another target, or a reload after a save) shows the saved template.
          setState('saved');
          send();
        }}
      />
    </section>
  );
}
