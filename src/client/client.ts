// The one typed client of the bds HTTP API, for the web UI and the API tests: `call(name, input)` with
// the registry's input and output types, media uploads, and the event stream with reconnection that
// resumes from the last event seen. It runs in browsers and in Node (fetch only).
import type { ErrorBody, InputOf, OutputOf, UseCaseName } from '../app/index.js';
import { ROUTES } from './routes.js';

/** A failure as the server answers it: the catalogue's code, message, hint and the place. */
export type ApiErrorInfo = ErrorBody;

/** A failed call: the catalogue's code, message and hint, the place when content caused it, the status. */
export class ApiError extends Error implements ApiErrorInfo {
  readonly code: string;
  readonly status: number;
  readonly hint?: string;
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;

  constructor(status: number, info: ApiErrorInfo) {
    super(info.message);
    this.name = 'ApiError';
    this.status = status;
    this.code = info.code;
    this.hint = info.hint;
    this.file = info.file;
    this.line = info.line;
    this.column = info.column;
  }
}

export interface ClientOptions {
  /** The app origin, e.g. `http://127.0.0.1:4120` (default: the page's own origin). */
  baseUrl?: string;
  /** Sent as `Authorization: Bearer`; a browser uses the cookie instead. */
  token?: string;
  fetch?: typeof fetch;
}

export interface StreamMessage {
  id?: string;
  event: string;
  data: unknown;
}

export interface SubscribeOptions {
  /** Resume after this event (a reconnect does this by itself). */
  lastEventId?: string;
  signal?: AbortSignal;
  /** Wait before reconnecting (default 1000 ms). */
  retryMs?: number;
  onOpen?: () => void;
  onError?: (e: unknown) => void;
}

/** The request a call makes: path parameters filled in, the rest as query (reads) or JSON body. */
export function requestOf(
  name: UseCaseName,
  input: Record<string, unknown> = {},
): { method: string; path: string; body?: string } {
  const route = ROUTES[name];
  const rest: Record<string, unknown> = { ...input };
  const filled = route.path.replace(/:([A-Za-z]+)/g, (_m, key: string) => {
    const value = rest[key];
    delete rest[key];
    if (value === undefined || value === null || value === '') {
      throw new ApiError(400, { code: 'invalid-argument', message: `${name}: "${key}" is required` });
    }
    return encodeURIComponent(String(value));
  });
  if (route.method === 'GET' || route.method === 'DELETE') {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(rest)) {
      if (v === undefined || v === null) continue;
      if (Array.isArray(v)) for (const item of v) q.append(k, String(item));
      else q.append(k, typeof v === 'object' ? JSON.stringify(v) : String(v));
    }
    const qs = q.toString();
    return { method: route.method, path: qs ? `${filled}?${qs}` : filled };
  }
  return { method: route.method, path: filled, body: JSON.stringify(rest) };
}

/** Server-sent events from a response body, one message per blank-line-terminated block. */
export async function* readEventStream(body: ReadableStream<Uint8Array>): AsyncGenerator<StreamMessage> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '');
        let id: string | undefined;
        let event = 'message';
        const data: string[] = [];
        for (const line of block.split(/\r?\n/)) {
          if (line.startsWith(':')) continue;
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          const val = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
          if (field === 'id') id = val;
          else if (field === 'event') event = val;
          else if (field === 'data') data.push(val);
        }
        if (data.length === 0) continue;
        const text = data.join('\n');
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // plain text data
        }
        yield { ...(id === undefined ? {} : { id }), event, data: parsed };
      }
    }
  } finally {
    reader.releaseLock();
  }
}

/** The part of a browser's XMLHttpRequest an upload uses (the CLI's build knows no DOM types). */
interface ProgressLike {
  lengthComputable: boolean;
  loaded: number;
  total: number;
}
interface Xhr {
  open(method: string, url: string): void;
  setRequestHeader(name: string, value: string): void;
  upload: { onprogress: ((e: ProgressLike) => void) | null };
  onload: (() => void) | null;
  onerror: (() => void) | null;
  onabort: (() => void) | null;
  abort(): void;
  send(body: unknown): void;
  readonly responseText: string;
  readonly status: number;
}

export interface UploadOptions {
  /** The share of the file sent so far, 0 to 1. */
  onProgress?(share: number): void;
  signal?: AbortSignal;
}

function uploadQuery(meta: Record<string, string | string[] | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(meta)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const item of v) q.append(k, item);
    else q.append(k, v);
  }
  return q.toString();
}

export class BdsClient {
  private readonly base: string;
  private readonly fetcher: typeof fetch;

  constructor(private readonly options: ClientOptions = {}) {
    this.base = (options.baseUrl ?? '').replace(/\/$/, '');
    this.fetcher = options.fetch ?? ((...args) => fetch(...args));
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return this.options.token ? { Authorization: `Bearer ${this.options.token}`, ...extra } : extra;
  }

  private async parse<T>(res: Response): Promise<T> {
    const text = await res.text();
    let json: unknown;
    try {
      json = text === '' ? null : JSON.parse(text);
    } catch {
      throw new ApiError(res.status, {
        code: 'internal',
        message: `The server answered ${res.status}: ${text.slice(0, 200)}`,
      });
    }
    if (!res.ok) {
      const info = json as Partial<ApiErrorInfo> | null;
      throw new ApiError(res.status, {
        code: info?.code ?? 'internal',
        message: info?.message ?? `The server answered ${res.status}`,
        ...(info?.hint ? { hint: info.hint } : {}),
        ...(info?.file ? { file: info.file } : {}),
        ...(info?.line === undefined ? {} : { line: info.line }),
        ...(info?.column === undefined ? {} : { column: info.column }),
      });
    }
    return json as T;
  }

  /** Run a use case over HTTP: the same input and output as `Workspace.call`. */
  async call<N extends UseCaseName>(
    name: N,
    input: InputOf<N>,
    init: { signal?: AbortSignal } = {},
  ): Promise<OutputOf<N>> {
    const req = requestOf(name, input as Record<string, unknown>);
    const res = await this.fetcher(`${this.base}${req.path}`, {
      method: req.method,
      headers: this.headers(req.body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...(req.body === undefined ? {} : { body: req.body }),
      credentials: 'same-origin',
      ...(init.signal ? { signal: init.signal } : {}),
    });
    return this.parse<OutputOf<N>>(res);
  }

  /**
   * Run a use case and follow it as it runs: script output arrives through `onOutput` line by line, and
   * aborting `signal` stops the run on the server (a Stop button). Answers like `call`.
   */
  async callStreaming<N extends UseCaseName>(
    name: N,
    input: InputOf<N>,
    init: { signal?: AbortSignal; onOutput?(stream: 'stdout' | 'stderr', text: string): void } = {},
  ): Promise<OutputOf<N>> {
    const req = requestOf(name, input as Record<string, unknown>);
    const res = await this.fetcher(`${this.base}${req.path}`, {
      method: req.method,
      headers: this.headers({
        Accept: 'application/x-ndjson',
        ...(req.body === undefined ? {} : { 'Content-Type': 'application/json' }),
      }),
      ...(req.body === undefined ? {} : { body: req.body }),
      credentials: 'same-origin',
      ...(init.signal ? { signal: init.signal } : {}),
    });
    if (!res.ok || !res.body || !(res.headers.get('content-type') ?? '').includes('ndjson')) {
      return this.parse<OutputOf<N>>(res);
    }
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (value) buffer += value;
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (!line.trim()) continue;
        const m = JSON.parse(line) as
          | { type: 'output'; stream: 'stdout' | 'stderr'; text: string }
          | { type: 'result'; output: OutputOf<N> }
          | { type: 'error'; error: ApiErrorInfo };
        if (m.type === 'output') init.onOutput?.(m.stream, m.text);
        else if (m.type === 'result') return m.output;
        else throw new ApiError(500, m.error);
      }
      if (done) break;
    }
    throw new ApiError(502, { code: 'internal', message: `${name}: the answer ended before its result` });
  }

  /**
   * Upload one file to the media library (streamed; the server caps its size). `onProgress` gets the
   * share sent, 0 to 1 (in a browser; fetch cannot report an upload's progress, so that one goes by XHR).
   */
  async upload(
    file: Blob | Uint8Array,
    meta: { name: string; title?: string; alt?: string; caption?: string; tags?: string[]; post?: string },
    options: UploadOptions = {},
  ): Promise<OutputOf<'media.import'>> {
    return this.parse<OutputOf<'media.import'>>(await this.send(uploadQuery(meta), file, options));
  }

  /** Put a new file in place of media `id` (same kind of file: posts link to its name). */
  async replaceFile(
    id: string,
    file: Blob | Uint8Array,
    meta: { name: string },
    options: UploadOptions = {},
  ): Promise<OutputOf<'media.get'>> {
    return this.parse<OutputOf<'media.get'>>(
      await this.send(uploadQuery({ ...meta, replace: id }), file, options),
    );
  }

  private async send(query: string, file: Blob | Uint8Array, options: UploadOptions): Promise<Response> {
    const url = `${this.base}/api/media/upload?${query}`;
    const headers = this.headers({ 'Content-Type': 'application/octet-stream' });
    const Xhr = (globalThis as { XMLHttpRequest?: new () => Xhr }).XMLHttpRequest;
    if (!options.onProgress || Xhr === undefined) {
      return this.fetcher(url, {
        method: 'POST',
        headers,
        body: file as Blob,
        credentials: 'same-origin',
        ...(options.signal ? { signal: options.signal } : {}),
      });
    }
    const onProgress = options.onProgress;
    return new Promise<Response>((resolve, reject) => {
      const xhr = new Xhr();
      xhr.open('POST', url);
      for (const [k, v] of Object.entries(headers)) xhr.setRequestHeader(k, v);
      xhr.upload.onprogress = (e: ProgressLike) => {
        if (e.lengthComputable && e.total > 0) onProgress(e.loaded / e.total);
      };
      xhr.onload = () => resolve(new Response(xhr.responseText, { status: xhr.status }));
      xhr.onerror = () => reject(new Error('The upload failed: the bds server could not be reached'));
      xhr.onabort = () => reject(new DOMException('The upload was cancelled', 'AbortError'));
      options.signal?.addEventListener('abort', () => xhr.abort(), { once: true });
      xhr.send(file as Blob);
    });
  }

  /**
   * Follow the event stream until `signal` aborts, reconnecting after a drop with the last id seen, so
   * nothing of the last minute is missed. A `resync` message means: read the state again.
   */
  async subscribe(onMessage: (m: StreamMessage) => void, options: SubscribeOptions = {}): Promise<void> {
    let lastId = options.lastEventId;
    while (!options.signal?.aborted) {
      try {
        const res = await this.fetcher(`${this.base}/api/events`, {
          headers: this.headers(lastId ? { 'Last-Event-ID': lastId } : {}),
          credentials: 'same-origin',
          ...(options.signal ? { signal: options.signal } : {}),
        });
        if (!res.ok || !res.body) await this.parse(res);
        options.onOpen?.();
        for await (const m of readEventStream(res.body!)) {
          if (m.id !== undefined) lastId = m.id;
          onMessage(m);
        }
      } catch (e) {
        if (options.signal?.aborted) return;
        options.onError?.(e);
        if (e instanceof ApiError && (e.status === 401 || e.status === 403)) throw e;
      }
      await new Promise((resolve) => setTimeout(resolve, options.retryMs ?? 1000));
    }
  }
}
