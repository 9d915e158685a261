// Live reload for the preview: browsers hold a server-sent event stream; a change to a post, template,
// script or media file sends `reload`. A tiny script in each page listens, and reloads too when it
// reconnects to a restarted server (a new boot id).
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';

export const EVENTS_PATH = '/_bds/events';

export const RELOAD_SCRIPT = `<script>
(() => {
  let boot = null;
  const events = new EventSource('${EVENTS_PATH}');
  events.addEventListener('hello', (e) => {
    const id = JSON.parse(e.data).boot;
    if (boot !== null && boot !== id) location.reload();
    boot = id;
  });
  events.addEventListener('reload', () => location.reload());
})();
</script>`;

export const RENDER_PATH = '/_bds/render';
/** A page rendered with a template's unsaved text (the Templates editor's preview). */
export const TEMPLATE_RENDER_PATH = '/_bds/render-template';

/**
 * The script that lets the app (a parent frame from one of `parents`) show unsaved text: it posts
 * `{type: 'bds-draft', postId, title, body, seq, macroOutputs?}` (the browser's Python output for the
 * draft's macros, when it ran them), the page asks its own server to render it, swaps its
 * `<main>` (scroll kept) and answers `{type: 'bds-draft-rendered', seq}`; `{type: 'bds-scroll', share}`
 * scrolls the page to that share of its height (the editor's scrolling).
 * `{type: 'bds-template', templateName, text, postId | path, seq}` (the Templates editor) renders this
 * page with that template's unsaved text and swaps the whole document (head and body: a template can
 * change both), answering `{type: 'bds-template-rendered', seq, ok}`. Messages from anyone else are
 * ignored; the render requests are same-origin JSON, which other sites cannot send without CORS.
 */
export function draftScript(parents: readonly string[]): string {
  if (parents.length === 0) return '';
  return `<script>
(() => {
  const parents = ${JSON.stringify(parents)};
  let latest = 0;
  window.addEventListener('message', async (e) => {
    const m = e.data;
    if (!parents.includes(e.origin) || !m) return;
    if (m.type === 'bds-scroll' && typeof m.share === 'number') {
      const room = document.documentElement.scrollHeight - window.innerHeight;
      window.scrollTo(0, Math.max(0, Math.min(1, m.share)) * Math.max(0, room));
      return;
    }
    if (m.type === 'bds-template') {
      const seq = ++latest;
      const res = await fetch('${TEMPLATE_RENDER_PATH}', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ templateName: m.templateName, text: m.text, postId: m.postId, path: m.path }),
      });
      const html = await res.text();
      if (seq !== latest) return;
      // Scripts of the new document do not run (parsed, not loaded): this listener and the reload stay.
      const doc = new DOMParser().parseFromString(html, 'text/html');
      const y = window.scrollY;
      document.documentElement.replaceWith(document.importNode(doc.documentElement, true));
      window.scrollTo(0, y);
      e.source.postMessage({ type: 'bds-template-rendered', seq: m.seq, ok: res.ok }, e.origin);
      return;
    }
    if (m.type !== 'bds-draft') return;
    const seq = ++latest;
    const res = await fetch('${RENDER_PATH}', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ postId: m.postId, title: m.title, body: m.body, macroOutputs: m.macroOutputs }),
    });
    if (!res.ok || seq !== latest) return;
    const doc = new DOMParser().parseFromString(await res.text(), 'text/html');
    const next = doc.querySelector('main') || doc.body;
    const here = document.querySelector('main') || document.body;
    const y = window.scrollY;
    here.replaceWith(document.importNode(next, true));
    window.scrollTo(0, y);
    e.source.postMessage({ type: 'bds-draft-rendered', seq: m.seq }, e.origin);
  });
})();
</script>`;
}

/** Puts the reload script (and `extra`) before the last `</body>`, or at the end. */
export function injectReloadScript(html: string, extra = ''): string {
  const scripts = extra ? `${RELOAD_SCRIPT}\n${extra}` : RELOAD_SCRIPT;
  const at = html.toLowerCase().lastIndexOf('</body>');
  return at < 0 ? `${html}\n${scripts}\n` : `${html.slice(0, at)}${scripts}\n${html.slice(at)}`;
}

export class ReloadHub {
  readonly bootId = randomUUID();
  private readonly clients = new Set<ServerResponse>();
  private timer?: NodeJS.Timeout;
  private pending: { reason: string; paths: string[] } | undefined;
  private readonly heartbeat: NodeJS.Timeout;

  constructor(private readonly debounceMs = 60) {
    // A comment line now and then keeps proxies and idle timeouts from closing the stream.
    this.heartbeat = setInterval(() => {
      for (const c of this.clients) c.write(': keep-alive\n\n');
    }, 20_000);
    this.heartbeat.unref();
  }

  get size(): number {
    return this.clients.size;
  }

  add(res: ServerResponse): void {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Content-Type-Options': 'nosniff',
    });
    res.write(`retry: 1000\nevent: hello\ndata: ${JSON.stringify({ boot: this.bootId })}\n\n`);
    this.clients.add(res);
    res.on('close', () => this.clients.delete(res));
  }

  /** Sends one `reload` after changes settle (editors write a file in several steps). */
  notify(reason: string, paths: string[] = []): void {
    this.pending = { reason, paths: [...(this.pending?.paths ?? []), ...paths].slice(0, 50) };
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      const data = JSON.stringify(this.pending);
      this.pending = undefined;
      for (const c of this.clients) c.write(`event: reload\ndata: ${data}\n\n`);
    }, this.debounceMs);
  }

  close(): void {
    clearTimeout(this.timer);
    clearInterval(this.heartbeat);
    for (const c of this.clients) c.end();
    this.clients.clear();
  }
}
