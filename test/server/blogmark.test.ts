// The blogmark route of the real app server: the confirm page any site may open (it writes nothing and
// cannot be framed or fetched), and its Save, which the door checks like any change. Each attack must be
// refused and leave no post behind.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKEN_COOKIE } from '../../src/server/door.js';
import { codeOf, raw, serveProject, type RawRequest, type ServedProject } from '../helpers/server.js';

interface Attack {
  name: string;
  request: (s: ServedProject) => RawRequest;
  status: number;
  code?: string;
  /** The answer is a page that says so, rather than JSON. */
  text?: RegExp;
}

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const FORM = 'application/x-www-form-urlencoded';
const PAGE = '/blogmark?url=https%3A%2F%2Fexample.com%2Fa&title=Example&selection=Quoted';

describe('the blogmark route', () => {
  let s: ServedProject;
  let cookie: string;
  let origin: string;

  beforeAll(async () => {
    s = await serveProject({});
    cookie = `${TOKEN_COOKIE}=${s.server.token}`;
    origin = s.server.url.replace(/\/$/, '');
    await s.client.call('scripts.create', {
      title: 'Tag it',
      slug: 'tag_it',
      kind: 'transform',
      code: 'def transform(post, context):\n    post["tags"].append("saved")\n    return post\n',
    });
  });
  afterAll(async () => {
    await s.close();
  });

  const postCount = async () => (await s.client.call('posts.list', {})).length;
  const save = (fields: Record<string, string>, headers: Record<string, string> = {}): RawRequest => ({
    method: 'POST',
    path: '/blogmark',
    headers: { 'content-type': FORM, ...headers },
    body: form(fields),
  });
  const page = { url: 'https://example.com/attack', title: 'Attack' };

  it('opens the confirm page from another site (a new window), writes nothing, and cannot be framed', async () => {
    const res = await raw(s.server.port, {
      path: PAGE,
      headers: { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' },
    });
    expect(res.status).toBe(200);
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.headers['cross-origin-opener-policy']).toBe('same-origin');
    // With the app's no-referrer, a browser sends the form's Save with `Origin: null`, which the door refuses.
    expect(res.headers['referrer-policy']).toBe('same-origin');
    expect(res.body).toContain('value="Example"');
    expect(res.body).toContain('value="https://example.com/a"');
    expect(res.body).toMatch(/<textarea[^>]*>\nQuoted<\/textarea>/);
    expect(res.body).toContain('<code>tag_it</code>');
    expect(await postCount()).toBe(0);
  });

  it("shows what is wrong at the field, and escapes the page's text", async () => {
    const res = await raw(s.server.port, {
      path: `/blogmark?url=${encodeURIComponent('java&Tab;script:alert(1)')}&title=${encodeURIComponent('"><script>alert(1)</script>')}`,
    });
    expect(res.status).toBe(200);
    expect(res.body).toContain('must be an http or https address, not javascript:');
    expect(res.body).toContain('aria-invalid="true" aria-describedby="bm-url-problem"');
    expect(res.body).not.toContain('<script>');
    expect(res.body).toContain('&#34;&#62;&#60;script&#62;');
  });

  it('shortens a long title to fit, and says so', async () => {
    const res = await raw(s.server.port, {
      path: `/blogmark?url=https%3A%2F%2Fexample.com&title=${'t'.repeat(250)}`,
    });
    expect(res.body).toContain(`value="${'t'.repeat(200)}"`);
    expect(res.body).toContain('has 250 characters; it was shortened to 200');
  });

  const attacks: Attack[] = [
    {
      name: 'framed-confirm-page (clickjacking: the page in another site’s frame)',
      request: () => ({
        path: PAGE,
        headers: { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'iframe' },
      }),
      status: 403,
      code: 'cross-site',
    },
    {
      name: 'cross-site-fetch of the confirm page (reading it from a script)',
      request: () => ({
        path: PAGE,
        headers: { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'cors', 'sec-fetch-dest': 'empty' },
      }),
      status: 403,
      code: 'cross-site',
    },
    {
      name: 'cross-site-script-include of the confirm page',
      request: () => ({
        path: PAGE,
        headers: { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'script' },
      }),
      status: 403,
      code: 'cross-site',
    },
    {
      name: 'dns-rebinding-host (the confirm page)',
      request: (x) => ({ path: PAGE, headers: { host: `evil.example:${x.server.port}` } }),
      status: 403,
      code: 'forbidden-host',
    },
    {
      name: 'cross-origin-post (a form on another site posts a blogmark)',
      request: () => save(page, { cookie, origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' }),
      status: 403,
      code: 'forbidden-origin',
    },
    {
      name: 'cross-origin-post (another port of this machine, same-site)',
      request: () => save(page, { cookie, origin: 'http://127.0.0.1:1', 'sec-fetch-site': 'same-site' }),
      status: 403,
      code: 'forbidden-origin',
    },
    {
      name: 'cross-origin-post (no Origin, Sec-Fetch-Site cross-site)',
      request: () => save(page, { cookie, 'sec-fetch-site': 'cross-site' }),
      status: 403,
      code: 'cross-site',
    },
    {
      name: 'preview-origin-post (the preview posts a blogmark)',
      request: (x) =>
        save(page, { cookie, origin: x.server.previewUrl.replace(/\/$/, ''), 'sec-fetch-site': 'same-site' }),
      status: 403,
      code: 'forbidden-origin',
    },
    {
      name: 'origin-null (a sandboxed frame or a data: page posts a blogmark)',
      request: () => save(page, { cookie, origin: 'null', 'sec-fetch-site': 'cross-site' }),
      status: 403,
      code: 'forbidden-origin',
    },
    {
      name: 'cookie-without-origin (a change with the cookie must say where it comes from)',
      request: () => save(page, { cookie }),
      status: 403,
      text: /must come from the bds app/,
    },
    {
      name: 'missing-token (a browser that never opened the app)',
      request: () => save(page, { origin, 'sec-fetch-site': 'same-origin' }),
      status: 401,
      text: /not signed in to this bds server/,
    },
    {
      name: 'wrong-token (a cookie from an earlier run)',
      request: () => save(page, { cookie: `${TOKEN_COOKIE}=stale`, origin, 'sec-fetch-site': 'same-origin' }),
      status: 401,
      text: /not signed in to this bds server/,
    },
    {
      name: 'javascript-url (saved through the form)',
      request: () =>
        save(
          { url: 'JaVaScRiPt&#58;alert(1)', title: 'x' },
          { cookie, origin, 'sec-fetch-site': 'same-origin' },
        ),
      status: 400,
      text: /must be an http or https address, not javascript:/,
    },
    {
      name: 'cross-origin-post to the API route (blogmarks.capture)',
      request: () => ({
        method: 'POST',
        path: '/api/blogmarks',
        headers: { cookie, origin: 'http://evil.example', 'content-type': 'application/json' },
        body: JSON.stringify(page),
      }),
      status: 403,
      code: 'forbidden-origin',
    },
  ];

  it.each(attacks)('refuses $name', async (attack) => {
    const before = await postCount();
    const res = await raw(s.server.port, attack.request(s));
    expect(res.status).toBe(attack.status);
    if (attack.code) expect(codeOf(res)).toBe(attack.code);
    if (attack.text) expect(res.body).toMatch(attack.text);
    expect(await postCount()).toBe(before);
  });

  it('saves from its own page: the report, the draft written, a link that opens it in the app', async () => {
    const events: string[] = [];
    const stop = s.ws.events.on('blogmark-created', (e) => events.push(e.url));
    const res = await raw(
      s.server.port,
      save(
        { url: 'https://example.com/saved#top', title: 'Saved page', selection: 'Some words' },
        { cookie, origin, 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'navigate' },
      ),
    );
    stop();
    expect(res.status).toBe(200);
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.body).toContain('Saved as a draft: “Saved page”');
    expect(res.body).toContain('<code>tag_it</code> ran');
    const [post] = await s.client.call('posts.list', {});
    expect(post).toMatchObject({ title: 'Saved page', status: 'draft', tags: ['saved'] });
    expect(res.body).toContain(`href="/#post/${post!.id}"`);
    expect(events).toEqual(['https://example.com/saved']);
    // Pressing Save again (or reloading the answer) makes no second draft.
    const again = await raw(
      s.server.port,
      save(
        { url: 'https://example.com/saved', title: 'Saved page' },
        { cookie, origin, 'sec-fetch-site': 'same-origin' },
      ),
    );
    expect(again.body).toContain('Already saved less than a minute ago');
    expect(await postCount()).toBe(1);
  }, 60_000);

  it('the API route takes the same capture with the token', async () => {
    const r = await s.client.call('blogmarks.capture', { url: 'https://example.com/api', title: 'By API' });
    expect(r.post.tags).toEqual(['saved']);
    expect(r.applied.map((a) => a.slug)).toEqual(['tag_it']);
  }, 60_000);
});
