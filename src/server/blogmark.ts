// The capture route of the app server. GET /blogmark is the one page another site may open (the
// bookmarklet's new window): it writes nothing and cannot be framed. POST /blogmark is its Save: the
// door's checks (Host, Origin, Sec-Fetch-Site) and the token cookie, then the blogmarks.capture use case.
import type { Context, Env, Hono } from 'hono';
import {
  BLOGMARK_LIMITS,
  inspectBlogmark,
  isBdsError,
  type BlogmarkField,
  type Workspace,
} from '../app/index.js';
import { readLimited } from './api.js';
import {
  confirmPage,
  failurePage,
  PAGE_POLICY,
  reportPage,
  type BlogmarkForm,
  type FormNotes,
} from './blogmark-pages.js';
import type { Door, DoorRequest } from './door.js';

export const BLOGMARK_PATH = '/blogmark';

/** A form holds at most the limits' worth of text, percent-encoded (up to 9 bytes a character). */
const MAX_FORM_BYTES = 256 * 1024;

/** The page other sites may open with a top-level navigation (the door checks it as one). */
export function isBlogmarkPage(req: Pick<DoorRequest, 'method' | 'path'>): boolean {
  return (req.method === 'GET' || req.method === 'HEAD') && req.path === BLOGMARK_PATH;
}

function html<E extends Env>(
  c: Context<E>,
  body: string,
  status: 200 | 400 | 401 | 403 | 500 = 200,
): Response {
  return c.body(body, status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Security-Policy': PAGE_POLICY,
    // The app's no-referrer would make the browser send `Origin: null` with the form's Save (and the door
    // refuse it); same-origin keeps the origin for this server only.
    'Referrer-Policy': 'same-origin',
    'Cache-Control': 'no-store',
  });
}

/** What the bookmarklet sent, shortened where it must be to fit the form, and said so. */
function formFromQuery(query: URLSearchParams): { form: BlogmarkForm; notes: string[] } {
  const notes: string[] = [];
  let title = query.get('title') ?? '';
  const chars = [...title.trim()];
  if (chars.length > BLOGMARK_LIMITS.title) {
    notes.push(
      `The page's title has ${chars.length} characters; it was shortened to ${BLOGMARK_LIMITS.title}.`,
    );
    title = chars.slice(0, BLOGMARK_LIMITS.title).join('');
  }
  if (query.get('cut') === '1') {
    notes.push(
      'The selection was shortened to fit in the address the bookmarklet opens; paste the rest if you need it.',
    );
  }
  return { form: { url: query.get('url') ?? '', title, selection: query.get('selection') ?? '' }, notes };
}

function problemsOf(form: BlogmarkForm): FormNotes['problems'] {
  const r = inspectBlogmark(form);
  if (r.ok) return {};
  return Object.fromEntries(r.problems.map((p) => [p.field, p.message])) as Record<BlogmarkField, string>;
}

async function readForm(req: Request): Promise<BlogmarkForm> {
  const chunks: Uint8Array[] = [];
  if (req.body) await readLimited(req.body, MAX_FORM_BYTES, (chunk) => void chunks.push(chunk));
  const params = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
  return {
    url: params.get('url') ?? '',
    title: params.get('title') ?? '',
    selection: params.get('selection') ?? '',
  };
}

export function mountBlogmark<E extends Env>(app: Hono<E>, ws: Workspace, door: Door): void {
  const project = () => ws.project.settings.name;

  app.get(BLOGMARK_PATH, async (c) => {
    const { form, notes } = formFromQuery(new URL(c.req.url).searchParams);
    const plan = await ws.call('blogmarks.transforms', {}, { caller: 'http' });
    // Python starts while the user reads the form, so Save does not wait for it. A runtime that cannot
    // start fails the capture at Save, which reports it.
    if (plan.run.length > 0)
      void ws
        .python()
        .start()
        .catch(() => undefined);
    return html(c, confirmPage(project(), form, plan, { problems: problemsOf(form), notes }));
  });

  app.post(BLOGMARK_PATH, async (c) => {
    // Host, Origin and Sec-Fetch-Site were checked at the door; a Save also needs this server's token.
    const refused = door.checkToken({
      method: c.req.method,
      path: c.req.path,
      header: (n) => c.req.header(n),
    });
    let form: BlogmarkForm;
    try {
      const type = c.req.header('content-type') ?? '';
      if (!type.startsWith('application/x-www-form-urlencoded')) {
        return html(c, failurePage(project(), 'A blogmark is saved from its form.', undefined), 400);
      }
      form = await readForm(c.req.raw);
    } catch (e) {
      return html(c, failurePage(project(), e instanceof Error ? e.message : String(e), undefined), 400);
    }
    const plan = await ws.call('blogmarks.transforms', {}, { caller: 'http' });
    if (refused) {
      const refusal =
        refused.code === 'missing-token' || refused.code === 'wrong-token'
          ? 'Not saved: this browser is not signed in to this bds server (its key changes every time `bds serve` starts). Open the address `bds serve` printed in this browser, then press Save again.'
          : `Not saved: ${refused.message}`;
      return html(
        c,
        confirmPage(project(), form, plan, { problems: {}, notes: [], refusal }),
        refused.status,
      );
    }
    const controller = new AbortController();
    c.req.raw.signal.addEventListener('abort', () => controller.abort(), { once: true });
    try {
      const report = await ws.call(
        'blogmarks.capture',
        { ...form, via: 'bookmarklet' },
        { caller: 'http', signal: controller.signal },
      );
      return html(c, reportPage(project(), report));
    } catch (e) {
      if (isBdsError(e) && e.code === 'blogmark-invalid') {
        return html(c, confirmPage(project(), form, plan, { problems: problemsOf(form), notes: [] }), 400);
      }
      const message = e instanceof Error ? e.message : String(e);
      return html(c, failurePage(project(), message, isBdsError(e) ? e.hint : undefined), 500);
    }
  });
}
