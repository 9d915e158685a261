// The app page's side of the browser's Python runtime: a hidden frame of the preview origin (see
// frame.ts), started in the background when the UI opens, and requests to it by message. Until it is
// ready (or if it cannot start) callers use the server's runtime.
import {
  FRAME_MESSAGE,
  type FrameError,
  type FrameEventMessage,
  type FrameRequest,
  type RuntimeInfo,
} from './protocol.js';

export type BrowserPythonState =
  | { status: 'off' }
  | { status: 'loading' }
  | { status: 'ready'; info: RuntimeInfo }
  | { status: 'failed'; message: string };

export class FrameCallError extends Error {
  readonly code: string;
  readonly line?: number;
  readonly column?: number;
  constructor(error: FrameError) {
    super(error.message);
    this.code = error.code;
    if (error.line !== undefined) this.line = error.line;
    if (error.column !== undefined) this.column = error.column;
  }
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: unknown): void;
  onOutput?: (stream: 'stdout' | 'stderr', text: string) => void;
}

class BrowserPython {
  private frame: HTMLIFrameElement | null = null;
  private origin = '';
  private seq = 0;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<() => void>();
  private current: BrowserPythonState = { status: 'off' };

  get state(): BrowserPythonState {
    return this.current;
  }

  get ready(): boolean {
    return this.current.status === 'ready';
  }

  /** Start the frame (once): it loads Pyodide in its worker and says when it is ready. */
  start(previewUrl: string): void {
    if (this.frame) return;
    const url = new URL('_bds/python/frame.html', previewUrl);
    this.origin = url.origin;
    window.addEventListener('message', this.onMessage);
    const frame = document.createElement('iframe');
    frame.src = url.href;
    frame.title = 'bds Python runtime';
    frame.hidden = true;
    frame.tabIndex = -1;
    frame.setAttribute('aria-hidden', 'true');
    document.body.appendChild(frame);
    this.frame = frame;
    this.set({ status: 'loading' });
  }

  /** Load the frame again (its time limits come from the server when it loads); calls in flight fail. */
  restart(): void {
    const frame = this.frame;
    if (!frame) return;
    const previewUrl = new URL('/', frame.src).href;
    frame.remove();
    this.frame = null;
    for (const p of this.pending.values()) {
      p.reject(
        new FrameCallError({ code: 'python-restarted', message: 'Python in the browser was restarted' }),
      );
    }
    this.pending.clear();
    window.removeEventListener('message', this.onMessage);
    this.start(previewUrl);
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getState = (): BrowserPythonState => this.current;

  /** Send a request; `id` can be given to `stop()`. Rejects with a FrameCallError. */
  request<T>(request: FrameRequest, onOutput?: Pending['onOutput']): { id: number; result: Promise<T> } {
    const id = ++this.seq;
    const win = this.frame?.contentWindow;
    if (!win || this.current.status !== 'ready') {
      return {
        id,
        result: Promise.reject(
          new FrameCallError({ code: 'python-unavailable', message: 'Python in the browser is not ready' }),
        ),
      };
    }
    const result = new Promise<T>((resolve, reject) => {
      this.pending.set(id, {
        resolve: resolve as (v: unknown) => void,
        reject,
        ...(onOutput ? { onOutput } : {}),
      });
    });
    win.postMessage({ type: FRAME_MESSAGE, id, ...request }, this.origin);
    return { id, result };
  }

  stop(id: number): void {
    this.frame?.contentWindow?.postMessage(
      { type: FRAME_MESSAGE, id: ++this.seq, op: 'stop', target: id },
      this.origin,
    );
  }

  private set(state: BrowserPythonState): void {
    this.current = state;
    for (const l of this.listeners) l();
  }

  private readonly onMessage = (e: MessageEvent): void => {
    if (e.origin !== this.origin || !this.frame || e.source !== this.frame.contentWindow) return;
    const m = e.data as FrameEventMessage;
    if (m?.type !== FRAME_MESSAGE) return;
    switch (m.event) {
      case 'ready':
        this.set({ status: 'ready', info: m.info });
        return;
      case 'failed':
        this.set({ status: 'failed', message: m.message });
        return;
      case 'output':
        this.pending.get(m.id)?.onOutput?.(m.stream, m.text);
        return;
      case 'result': {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if (m.ok) p.resolve(m.value);
        else p.reject(new FrameCallError(m.error));
        return;
      }
    }
  };
}

/** The page's one browser runtime. */
export const browserPython = new BrowserPython();
