// The HTTP API, generated from the use-case registry: one route per use case (its declared method and
// path), the input gathered from the path, the query (reads) or a JSON body (writes) and checked by the
// use case's own schema inside `Workspace.call`, errors as the catalogue's {code, message, hint, ...}.
import type { Context, Env, Hono } from 'hono';
import type { z } from 'zod';
import type { CachedAnswer, ReadCache } from './read-cache.js';
import {
  BdsError,
  HTTP_STATUS,
  type ErrorBody,
  isBdsError,
  ALL_USE_CASES,
  type UseCase,
  type UseCaseName,
  type Workspace,
} from '../app/index.js';

/** A post may be up to 10 MB; a JSON body holding one gets some room for escaping and other fields. */
export const MAX_JSON_BODY_BYTES = 12 * 1024 * 1024;

export type ApiErrorBody = ErrorBody;

/** Any failure as the API answers it: the catalogue's code, message and hint, and the place if known. */
export function errorBody(e: unknown): { status: number; body: ApiErrorBody } {
  if (isBdsError(e)) {
    const body: ApiErrorBody = { code: e.code, message: e.message };
    if (e.hint) body.hint = e.hint;
    if (e.file !== undefined) body.file = e.file;
    if (e.line !== undefined) body.line = e.line;
    if (e.column !== undefined) body.column = e.column;
    return { status: HTTP_STATUS[e.code], body };
  }
  const message = e instanceof Error ? e.message : String(e);
  return { status: 500, body: { code: 'internal', message } };
}

export function errorResponse<E extends Env>(c: Context<E>, e: unknown): Response {
  const { status, body } = errorBody(e);
  return c.json(body, status as 500);
}

/** The schema inside optional/default/nullable wrappers. */
function inner(schema: z.ZodType): z.ZodType {
  let s = schema as z.ZodType & { def: { type: string; innerType?: z.ZodType } };
  while (
    ['optional', 'default', 'nullable', 'prefault', 'readonly'].includes(s.def.type) &&
    s.def.innerType
  ) {
    s = s.def.innerType as typeof s;
  }
  return s;
}

/**
 * A query string as a use case's input: values are strings on the wire, so a field the schema types as
 * a number, a boolean or a list is converted (`?limit=20&tag=a&tag=b`). What does not convert is passed
 * on as written, and the schema's message names the field.
 */
export function queryInput(schema: z.ZodType, query: Record<string, string[]>): Record<string, unknown> {
  const shape = (schema as z.ZodType & { shape?: Record<string, z.ZodType> }).shape ?? {};
  const out: Record<string, unknown> = {};
  for (const [key, values] of Object.entries(query)) {
    const field = shape[key];
    const type = field ? (inner(field) as z.ZodType & { def: { type: string } }).def.type : 'string';
    const one = values[values.length - 1] ?? '';
    if (type === 'array') out[key] = values;
    else if (type === 'number' || type === 'int')
      out[key] = one.trim() !== '' && Number.isFinite(Number(one)) ? Number(one) : one;
    else if (type === 'boolean') out[key] = one === 'true' ? true : one === 'false' ? false : one;
    else out[key] = one;
  }
  return out;
}

/**
 * Reads a request body chunk by chunk, refusing more than `limit` bytes as they arrive (Content-Length
 * can lie or be absent). Resolves to the number of bytes read.
 */
export async function readLimited(
  body: ReadableStream<Uint8Array>,
  limit: number,
  onChunk: (chunk: Uint8Array) => void | Promise<void>,
): Promise<number> {
  const reader = body.getReader();
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return size;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw tooLarge(limit);
    }
    await onChunk(value);
  }
}

/** The body as JSON (undefined when empty), at most `limit` bytes. */
export async function readJsonBody(req: Request, limit = MAX_JSON_BODY_BYTES): Promise<unknown> {
  const declared = Number(req.headers.get('content-length') ?? '0');
  if (declared > limit) throw tooLarge(limit);
  if (!req.body) return undefined;
  const chunks: Uint8Array[] = [];
  const size = await readLimited(req.body, limit, (chunk) => {
    chunks.push(chunk);
  });
  if (size === 0) return undefined;
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new BdsError('invalid-argument', `The request body is not JSON: ${(e as Error).message}`);
  }
}

export function tooLarge(limit: number): BdsError {
  return new BdsError(
    'payload-too-large',
    `The request body is over ${Math.round(limit / (1024 * 1024))} MB`,
  );
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/** A kept answer: 304 when the client has it already (If-None-Match), else the JSON with its ETag. */
function answerCached<E extends Env>(c: Context<E>, a: CachedAnswer): Response {
  if (c.req.header('if-none-match') === a.etag) return c.body(null, 304, { ETag: a.etag });
  return c.body(a.body, 200, { 'Content-Type': 'application/json', ETag: a.etag });
}

async function inputOf<E extends Env>(uc: UseCase, c: Context<E>): Promise<Record<string, unknown>> {
  const params = c.req.param() as Record<string, string>;
  let rest: Record<string, unknown> = {};
  if (BODY_METHODS.has(uc.http.method)) {
    const body = await readJsonBody(c.req.raw);
    if (body !== undefined) {
      if (body === null || typeof body !== 'object' || Array.isArray(body)) {
        throw new BdsError('invalid-argument', `${uc.name}: the body must be a JSON object`);
      }
      rest = body as Record<string, unknown>;
    }
  } else {
    rest = queryInput(uc.input, c.req.queries());
  }
  // Path parameters win: `/api/posts/:ref` names the post whatever the body says.
  return { ...rest, ...params };
}

export const NDJSON = 'application/x-ndjson';

/**
 * A use case answered as it runs (`Accept: application/x-ndjson`): one JSON line per piece of script
 * output (`{"type":"output","stream":"stdout","text":...}`), then `{"type":"result","output":...}` or
 * `{"type":"error","error":{code,message,...}}`. Closing the request stops the run (a user's Stop).
 */
function streamCall(ws: Workspace, name: UseCaseName, input: unknown, controller: AbortController): Response {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(out) {
      const line = (value: unknown) => {
        try {
          out.enqueue(encoder.encode(`${JSON.stringify(value)}\n`));
        } catch {
          // The client went away: the abort below stops the run.
        }
      };
      ws.call(name, input as never, {
        caller: 'http',
        signal: controller.signal,
        onOutput: (stream, text) => line({ type: 'output', stream, text }),
      })
        .then(
          (output) => line({ type: 'result', output: output ?? null }),
          (e: unknown) => line({ type: 'error', error: errorBody(e).body }),
        )
        .finally(() => {
          try {
            out.close();
          } catch {
            // Already closed by a cancel.
          }
        });
    },
    cancel() {
      controller.abort();
    },
  });
  return new Response(body, {
    headers: {
      'Content-Type': `${NDJSON}; charset=utf-8`,
      'Cache-Control': 'no-store',
      'X-Accel-Buffering': 'no',
    },
  });
}

/**
 * Routes of every use case on `app` (the project's, and the user's: projects). Static paths are added before paths with parameters, so
 * `/api/scripts/rebuild` is never taken for a script named "rebuild".
 */
export function mountUseCases<E extends Env>(app: Hono<E>, ws: Workspace, cache?: ReadCache): void {
  const cases = [...(ALL_USE_CASES as readonly UseCase[])].sort(
    (a, b) => Number(a.http.path.includes(':')) - Number(b.http.path.includes(':')),
  );
  for (const uc of cases) {
    const cached = cache && uc.cacheable && uc.http.method === 'GET' ? cache : undefined;
    app.on(uc.http.method, uc.http.path, async (c) => {
      try {
        const key = new URL(c.req.url).pathname + new URL(c.req.url).search;
        if (cached) {
          const hit = cached.get(key);
          if (hit) return answerCached(c, hit);
        }
        const generation = cached?.begin() ?? 0;
        const input = await inputOf(uc, c);
        const controller = new AbortController();
        c.req.raw.signal.addEventListener('abort', () => controller.abort(), { once: true });
        if (!uc.readOnly && (c.req.header('accept') ?? '').includes(NDJSON)) {
          return streamCall(ws, uc.name as UseCaseName, input, controller);
        }
        const output = await ws.call(uc.name as UseCaseName, input as never, {
          caller: 'http',
          signal: controller.signal,
          // The server runs on the user's machine: its environment is the user's (ssh options to publish).
          env: process.env,
        });
        if (cached) return answerCached(c, cached.set(key, JSON.stringify(output ?? null), generation));
        return c.json(output ?? null);
      } catch (e) {
        return errorResponse(c, e);
      }
    });
  }
}
