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

/** Puts the reload script before the last `</body>`, or at the end. */
export function injectReloadScript(html: string): string {
  const at = html.toLowerCase().lastIndexOf('</body>');
  return at < 0 ? `${html}\n${RELOAD_SCRIPT}\n` : `${html.slice(0, at)}${RELOAD_SCRIPT}\n${html.slice(at)}`;
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
