// The post as the site will show it, on the preview origin in a frame (posts hold raw HTML and macros
// return HTML: they never run in the app's origin). What the user types is sent to the frame as it
// changes (the preview renders the unsaved text and swaps its page in place); a save reloads it whole.
import { useEffect, useRef } from 'react';
import { browserPython } from '../python/client.js';
import type { DraftMacros } from '../python/protocol.js';
import { useStore } from '../store.js';

export interface LiveDraft {
  title: string;
  body: string;
}

export interface PreviewPaneProps {
  postId: string;
  /** The editor's text, saved or not. */
  draft?: LiveDraft;
  /** Called when the frame shows the text of message `seq` (tests and the latency measure use it). */
  onRendered?(seq: number): void;
}

/** Wait after the last keystroke before rendering: typing bursts become one render. */
const LIVE_DEBOUNCE_MS = 40;

/** The open preview's way to follow the editor's scrolling (one preview at a time). */
let scrollTarget: ((share: number) => void) | undefined;
let scrollFrame = 0;
let scrollShare = 0;

/** The editor scrolled to `share` (0 to 1) of its text: the preview goes to the same share of the page. */
export function followScroll(share: number): void {
  scrollShare = share;
  if (scrollFrame) return;
  scrollFrame = requestAnimationFrame(() => {
    scrollFrame = 0;
    scrollTarget?.(scrollShare);
  });
}

export function PreviewPane({ postId, draft, onRendered }: PreviewPaneProps) {
  const previewUrl = useStore((s) => s.previewUrl);
  const frame = useRef<HTMLIFrameElement>(null);
  const seq = useRef(0);
  const sent = useRef<LiveDraft | undefined>(undefined);
  const origin = previewUrl ? new URL(previewUrl).origin : undefined;

  const macroRun = useRef<number | undefined>(undefined);

  /**
   * Show `d` in the frame. Its Python macros run in the browser when its runtime is ready (the preview
   * then uses their output); otherwise, or if that fails, the preview runs them on the server.
   */
  const send = async (d: LiveDraft) => {
    if (!frame.current?.contentWindow || !origin) return;
    sent.current = d;
    const n = ++seq.current;
    let macroOutputs: DraftMacros['outputs'] | undefined;
    if (browserPython.ready && d.body.includes('[[')) {
      if (macroRun.current !== undefined) browserPython.stop(macroRun.current);
      const run = browserPython.request<DraftMacros>({ op: 'draft', postId, title: d.title, body: d.body });
      macroRun.current = run.id;
      try {
        macroOutputs = (await run.result).outputs;
      } catch {
        // The server's runtime renders them.
      }
      if (macroRun.current === run.id) macroRun.current = undefined;
      if (n !== seq.current) return;
    }
    const win = frame.current?.contentWindow;
    if (!win) return;
    win.postMessage(
      {
        type: 'bds-draft',
        postId,
        title: d.title,
        body: d.body,
        seq: n,
        ...(macroOutputs ? { macroOutputs } : {}),
      },
      origin,
    );
  };

  useEffect(() => {
    if (!draft) return;
    const timer = setTimeout(() => void send(draft), LIVE_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [draft?.title, draft?.body]);

  useEffect(() => {
    scrollTarget = (share) => {
      const win = frame.current?.contentWindow;
      if (win && origin) win.postMessage({ type: 'bds-scroll', share }, origin);
    };
    return () => {
      scrollTarget = undefined;
    };
  }, [origin]);

  useEffect(() => {
    const onMessage = (e: MessageEvent) => {
      if (e.origin !== origin || e.source !== frame.current?.contentWindow) return;
      const m = e.data as { type?: string; seq?: number };
      if (m?.type === 'bds-draft-rendered' && typeof m.seq === 'number') onRendered?.(m.seq);
    };
    window.addEventListener('message', onMessage);
    return () => window.removeEventListener('message', onMessage);
  }, [origin, onRendered]);

  if (!previewUrl) return <section className="preview-pane" aria-label="Preview" />;
  const src = new URL(`_draft/${encodeURIComponent(postId)}/`, previewUrl).href;
  return (
    <section className="preview-pane" aria-label="Preview">
      <div className="preview-head">
        <span>Preview</span>
        <span className="grow" style={{ flex: 1 }} />
        <a href={src} target="_blank" rel="noreferrer">
          Open in a tab
        </a>
      </div>
      {/* A new frame per post: navigating the old one could lose to its own live reload. */}
      <iframe
        key={src}
        ref={frame}
        title="Preview of the post"
        src={src}
        onLoad={() => {
          // A reload (after a save) shows the saved text: send what is typed since, if anything.
          if (sent.current) void send(sent.current);
        }}
      />
    </section>
  );
}
