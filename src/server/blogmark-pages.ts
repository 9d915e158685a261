// The pages of a blogmark on the app origin: the confirm form the bookmarklet opens (title, address and
// selection editable, the transforms that will run) and the report after Save, with a link that opens
// the draft in the app. Plain HTML and no script: everything from the page captured is escaped.
import type { OutputOf } from '../app/index.js';

type Plan = OutputOf<'blogmarks.transforms'>;
type Report = OutputOf<'blogmarks.capture'>;

export interface BlogmarkForm {
  url: string;
  title: string;
  selection: string;
}

export interface FormNotes {
  /** Problems by field, as the capture would refuse them. */
  problems: Partial<Record<keyof BlogmarkForm, string>>;
  /** Things to tell before Save (a title or selection was shortened to fit). */
  notes: string[];
  /** Why the last Save did not happen (not signed in, refused). */
  refusal?: string;
}

/** No scripts, no frames, no other origins; the form posts only to this server. */
export const PAGE_POLICY = [
  "default-src 'none'",
  "style-src 'unsafe-inline'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

const STYLE = `
:root{color-scheme:light dark;--fg:#1b1d21;--muted:#5b6270;--bg:#fff;--line:#c9ced8;--accent:#2456c9;--bad:#b3261e;--ok:#1f7a3a}
@media (prefers-color-scheme:dark){:root{--fg:#e6e8ec;--muted:#a3a9b5;--bg:#15171b;--line:#3a3f4a;--accent:#8fb0ff;--bad:#ff8a80;--ok:#7fd39a}}
body{font:15px/1.5 system-ui,sans-serif;color:var(--fg);background:var(--bg);max-width:40rem;margin:1.5rem auto;padding:0 1rem}
h1{font-size:1.3rem;margin:0 0 1rem}h2{font-size:1rem;margin:1.25rem 0 .25rem}
label{display:block;font-weight:600;margin-top:.9rem}
input,textarea{box-sizing:border-box;width:100%;font:inherit;color:inherit;background:transparent;border:1px solid var(--line);border-radius:6px;padding:.45rem .55rem}
input:focus-visible,textarea:focus-visible,button:focus-visible,a:focus-visible{outline:2px solid var(--accent);outline-offset:2px}
textarea{min-height:7rem;resize:vertical}
button{margin-top:1.25rem;font:inherit;font-weight:600;padding:.5rem 1.1rem;border-radius:6px;border:1px solid var(--accent);background:var(--accent);color:var(--bg);cursor:pointer}
a{color:var(--accent)}.muted{color:var(--muted)}.problem{color:var(--bad);margin:.25rem 0 0}.ok{color:var(--ok)}
.note{border-left:3px solid var(--accent);padding:.25rem .75rem;margin:.75rem 0}
.refusal{border-left:3px solid var(--bad);padding:.25rem .75rem;margin:.75rem 0}
ol,ul{padding-left:1.4rem;margin:.25rem 0}code{font-size:.92em}
`;

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><meta name="referrer" content="same-origin">
<style>${STYLE}</style></head><body><main>${body}</main></body></html>`;
}

function field(
  name: keyof BlogmarkForm,
  label: string,
  problem: string | undefined,
  control: (attrs: string) => string,
): string {
  const id = `bm-${name}`;
  const described = problem ? ` aria-invalid="true" aria-describedby="${id}-problem"` : '';
  return `<label for="${id}">${label}</label>${control(`id="${id}" name="${name}"${described}`)}${
    problem ? `<p class="problem" id="${id}-problem">${esc(problem)}</p>` : ''
  }`;
}

function planList(plan: Plan): string {
  const run = plan.run.length
    ? `<ol>${plan.run.map((s) => `<li><code>${esc(s.slug)}</code> ${esc(s.title)}</li>`).join('')}</ol>`
    : '<p class="muted">None: the draft is saved as it is.</p>';
  const skipped = plan.skipped.length
    ? `<p class="muted">Not run: ${plan.skipped
        .map(
          (s) => `<code>${esc(s.slug)}</code> (${s.reason === 'untrusted' ? 'not trusted yet' : 'disabled'})`,
        )
        .join(', ')}</p>`
    : '';
  return `<h2>Transforms that will run</h2>${run}${skipped}`;
}

/** The confirm form: nothing is written until Save. */
export function confirmPage(project: string, form: BlogmarkForm, plan: Plan, notes: FormNotes): string {
  const p = notes.problems;
  return page(
    `Blogmark · ${project}`,
    `<h1>Save a draft in ${esc(project)}</h1>
${notes.refusal ? `<div class="refusal" role="alert">${esc(notes.refusal)}</div>` : ''}
<form method="post" action="/blogmark">
${field('title', 'Title', p.title, (a) => `<input ${a} value="${esc(form.title)}" maxlength="200" autocomplete="off">`)}
${field('url', 'Address', p.url, (a) => `<input ${a} value="${esc(form.url)}" inputmode="url" autocomplete="off" spellcheck="false">`)}
${field('selection', 'Selection (quoted under the link)', p.selection, (a) => `<textarea ${a}>\n${esc(form.selection)}</textarea>`)}
${notes.notes.map((n) => `<p class="note">${esc(n)}</p>`).join('')}
${planList(plan)}
<button type="submit">Save draft</button>
</form>
<p class="muted">Nothing is saved until you press Save; close this window to drop it.</p>`,
  );
}

/** After Save: what became of the page, what ran, and the way to the draft in the app. */
export function reportPage(project: string, r: Report): string {
  const post = r.post;
  const heading = r.duplicate
    ? `Already saved less than a minute ago: “${esc(post.title)}”`
    : `Saved as a draft: “${esc(post.title)}”`;
  const ran = [
    ...r.applied.map(
      (a) => `<li class="ok"><code>${esc(a.slug)}</code> ran${a.changed ? '' : ' (no change)'}</li>`,
    ),
    ...r.errors.map(
      (e) =>
        `<li class="problem"><code>${esc(e.slug)}</code> failed and was passed over: ${esc(e.message)} <span class="muted">(${esc(e.code)})</span></li>`,
    ),
    ...r.skipped.map(
      (s) =>
        `<li class="muted"><code>${esc(s.slug)}</code> not run (${s.reason === 'untrusted' ? 'not trusted yet' : 'disabled'})</li>`,
    ),
  ];
  const toasts = r.toasts.map((t) => `<li><code>${esc(t.script)}</code>: ${esc(t.message)}</li>`);
  if (r.toastsDropped) {
    toasts.push(
      `<li class="muted">${r.toastsDropped} more dropped (at most 5 per script and 20 per capture)</li>`,
    );
  }
  return page(
    `Saved · ${project}`,
    `<h1>${heading}</h1>
<p><a id="open-draft" href="/#post/${encodeURIComponent(post.id)}">Open the draft in bds</a></p>
<p class="muted"><code>${esc(post.path)}</code>${post.tags.length ? ` · tags: ${esc(post.tags.join(', '))}` : ''}${
      post.categories.length ? ` · category: ${esc(post.categories.join(', '))}` : ''
    }</p>
${ran.length ? `<h2>Transforms</h2><ul>${ran.join('')}</ul>` : ''}
${toasts.length ? `<h2>Messages from the transforms</h2><ul>${toasts.join('')}</ul>` : ''}
<p class="muted">${r.duplicate ? 'Nothing ran again.' : `Done in ${Math.round(r.ms)} ms.`}</p>`,
  );
}

/** A failure that is not about the fields (the project is busy, the disk is full...). */
export function failurePage(project: string, message: string, hint: string | undefined): string {
  return page(
    `Not saved · ${project}`,
    `<h1>Not saved</h1><p class="problem" role="alert">${esc(message)}</p>${hint ? `<p>${esc(hint)}</p>` : ''}`,
  );
}
