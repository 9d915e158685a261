// The app server is a door to the user's machine: each attack below is tried against the real server,
// and each must be refused without changing anything.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sameToken, TOKEN_COOKIE } from '../../src/server/door.js';
import { pyodidePackage } from '../../src/server/static-files.js';
import { samplePost, tempDir } from '../helpers/project.js';
import { codeOf, raw, serveProject, type RawRequest, type ServedProject } from '../helpers/server.js';

interface Attack {
  name: string;
  request: (s: ServedProject) => RawRequest;
  status: number;
  code?: string;
}

describe('the door of the app server', () => {
  let s: ServedProject;
  let webRoot: string;
  let cookie: string;
  let origin: string;

  beforeAll(async () => {
    webRoot = tempDir('bds-web-');
    fs.writeFileSync(path.join(webRoot, 'index.html'), '<!doctype html><title>bds</title>');
    fs.mkdirSync(path.join(webRoot, 'assets'));
    fs.writeFileSync(path.join(webRoot, 'assets', 'app.js'), 'console.log(1)');
    const secretDir = tempDir('bds-secret-');
    fs.writeFileSync(path.join(secretDir, 'secret.txt'), 'the secret');
    fs.symlinkSync(path.join(secretDir, 'secret.txt'), path.join(webRoot, 'assets', 'link.txt'));
    s = await serveProject(
      { 'posts/2026/01/first.md': samplePost({ slug: 'first' }) },
      { webRoot, maxUploadBytes: 1024 },
    );
    cookie = `${TOKEN_COOKIE}=${s.server.token}`;
    origin = s.server.url.replace(/\/$/, '');
  });
  afterAll(async () => {
    await s.close();
  });

  const postCount = async () => (await s.client.call('posts.list', {})).length;
  const newPost = JSON.stringify({ title: 'Injected' });

  const attacks: Attack[] = [
    { name: 'missing-token', request: () => ({ path: '/api/posts' }), status: 401, code: 'missing-token' },
    {
      name: 'missing-token (event stream)',
      request: () => ({ path: '/api/events', headOnly: true }),
      status: 401,
      code: 'missing-token',
    },
    {
      name: 'wrong-token-timing (differs in the first character)',
      request: (x) => ({
        path: '/api/posts',
        headers: {
          authorization: `Bearer ${x.server.token.startsWith('A') ? 'B' : 'A'}${x.server.token.slice(1)}`,
        },
      }),
      status: 401,
      code: 'wrong-token',
    },
    {
      name: 'wrong-token-timing (differs in the last character)',
      request: (x) => ({
        path: '/api/posts',
        headers: {
          cookie: `${TOKEN_COOKIE}=${x.server.token.slice(0, -1)}${x.server.token.endsWith('A') ? 'B' : 'A'}`,
        },
      }),
      status: 401,
      code: 'wrong-token',
    },
    {
      name: 'wrong-token-timing (a prefix of the token)',
      request: (x) => ({
        path: '/api/posts',
        headers: { authorization: `Bearer ${x.server.token.slice(0, 8)}` },
      }),
      status: 401,
      code: 'wrong-token',
    },
    {
      name: 'dns-rebinding-host',
      request: (x) => ({ path: '/api/posts', headers: { host: `evil.example:${x.server.port}`, cookie } }),
      status: 403,
      code: 'forbidden-host',
    },
    {
      name: 'dns-rebinding-host (loopback name, another port)',
      request: () => ({ path: '/', headers: { host: '127.0.0.1:1', cookie } }),
      status: 403,
      code: 'forbidden-host',
    },
    {
      name: 'dns-rebinding-host (a name ending in a loopback address)',
      request: (x) => ({
        path: '/api/posts',
        headers: { host: `127.0.0.1.evil.example:${x.server.port}`, cookie },
      }),
      status: 403,
      code: 'forbidden-host',
    },
    {
      name: 'cross-origin-post',
      request: () => ({
        method: 'POST',
        path: '/api/posts',
        headers: { cookie, origin: 'http://evil.example', 'content-type': 'application/json' },
        body: newPost,
      }),
      status: 403,
      code: 'forbidden-origin',
    },
    {
      name: 'cross-origin-post (cookie, no Origin at all)',
      request: () => ({
        method: 'POST',
        path: '/api/posts',
        headers: { cookie, 'content-type': 'text/plain' },
        body: newPost,
      }),
      status: 403,
      code: 'forbidden-origin',
    },
    {
      name: 'cross-origin-post (form from another site, Sec-Fetch-Site)',
      request: () => ({
        method: 'POST',
        path: '/api/posts',
        headers: { cookie, 'sec-fetch-site': 'cross-site', 'content-type': 'text/plain' },
        body: newPost,
      }),
      status: 403,
      code: 'cross-site',
    },
    {
      name: 'preview-origin-calls-api',
      request: (x) => ({
        method: 'POST',
        path: '/api/posts',
        headers: {
          cookie,
          origin: x.server.previewUrl.replace(/\/$/, ''),
          'sec-fetch-site': 'same-site',
          'content-type': 'application/json',
        },
        body: newPost,
      }),
      status: 403,
      code: 'forbidden-origin',
    },
    {
      name: 'preview-origin-calls-api (a read, no-cors)',
      request: () => ({
        path: '/api/posts',
        headers: { cookie, 'sec-fetch-site': 'same-site', 'sec-fetch-mode': 'no-cors' },
      }),
      status: 403,
      code: 'cross-site',
    },
    {
      name: 'cross-site-script-include',
      request: () => ({
        path: '/api/posts',
        headers: {
          cookie,
          'sec-fetch-site': 'cross-site',
          'sec-fetch-mode': 'no-cors',
          'sec-fetch-dest': 'script',
        },
      }),
      status: 403,
      code: 'cross-site',
    },
    {
      name: 'cross-site-script-include (the UI bundle)',
      request: () => ({
        path: '/assets/app.js',
        headers: { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'script' },
      }),
      status: 403,
      code: 'cross-site',
    },
    {
      name: 'event-stream-cross-origin',
      request: () => ({
        path: '/api/events',
        headers: { cookie, origin: 'http://evil.example' },
        headOnly: true,
      }),
      status: 403,
      code: 'forbidden-origin',
    },
    {
      name: 'event-stream-cross-origin (from the preview)',
      request: () => ({
        path: '/api/events',
        headers: { cookie, 'sec-fetch-site': 'same-site' },
        headOnly: true,
      }),
      status: 403,
      code: 'cross-site',
    },
    {
      name: 'path-traversal-encoded (..)',
      request: () => ({ path: '/assets/../../etc/passwd' }),
      status: 400,
      code: 'path-escape',
    },
    {
      name: 'path-traversal-encoded (%2e%2e)',
      request: () => ({ path: '/assets/%2e%2e/%2e%2e/etc/passwd' }),
      status: 400,
      code: 'path-escape',
    },
    {
      name: 'path-traversal-encoded (double encoding)',
      request: () => ({ path: '/assets/%252e%252e/%252e%252e/etc/passwd' }),
      status: 400,
      code: 'path-escape',
    },
    {
      name: 'path-traversal-encoded (backslash)',
      request: () => ({ path: '/assets/..%5c..%5cetc/passwd' }),
      status: 400,
      code: 'path-escape',
    },
    {
      name: 'path-traversal-encoded (Pyodide files)',
      request: () => ({ path: `/pyodide/${pyodidePackage().version}/..%2f..%2fpackage.json` }),
      status: 400,
      code: 'path-escape',
    },
    { name: 'symlink-escape', request: () => ({ path: '/assets/link.txt' }), status: 403 },
    {
      name: 'oversized-body',
      request: () => ({
        method: 'POST',
        path: '/api/posts',
        headers: { cookie, origin, 'content-type': 'application/json' },
        body: JSON.stringify({ title: 'Huge', body: 'x'.repeat(13 * 1024 * 1024) }),
      }),
      status: 413,
      code: 'payload-too-large',
    },
    {
      name: 'oversized-body (upload over the cap)',
      request: () => ({
        method: 'POST',
        path: '/api/media/upload?name=big.png',
        headers: { cookie, origin },
        body: Buffer.alloc(4096, 1),
      }),
      status: 413,
      code: 'payload-too-large',
    },
  ];

  for (const attack of attacks) {
    it(`refuses ${attack.name}`, async () => {
      const before = await postCount();
      const res = await raw(s.server.port, attack.request(s));
      expect(res.status).toBe(attack.status);
      if (attack.code) expect(codeOf(res)).toBe(attack.code);
      expect(res.body).not.toContain('the secret');
      expect(res.body).not.toContain('root:');
      expect(await postCount()).toBe(before);
      expect(fs.readdirSync(path.join(s.root, 'media'))).toEqual([]);
    });
  }

  it('lets the same requests through from the app itself', async () => {
    const read = await raw(s.server.port, {
      path: '/api/posts',
      headers: { cookie, 'sec-fetch-site': 'same-origin' },
    });
    expect(read.status).toBe(200);
    const write = await raw(s.server.port, {
      method: 'POST',
      path: '/api/posts',
      headers: { cookie, origin, 'sec-fetch-site': 'same-origin', 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'From the app' }),
    });
    expect(write.status).toBe(200);
    expect((JSON.parse(write.body) as { slug: string }).slug).toBe('from-the-app');
    const asset = await raw(s.server.port, {
      path: '/assets/app.js',
      headers: { 'sec-fetch-site': 'same-origin' },
    });
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toContain('text/javascript');
  });

  it('token-in-url-not-kept: the token becomes an HttpOnly SameSite=Strict cookie and leaves the address', async () => {
    const res = await raw(s.server.port, { path: `/?token=${s.server.token}&x=1` });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/?x=1');
    const set = String(res.headers['set-cookie']);
    expect(set).toContain(`${TOKEN_COOKIE}=${s.server.token}`);
    expect(set).toContain('HttpOnly');
    expect(set).toContain('SameSite=Strict');
    // A launch address works once, and never holds the token itself.
    const launch = s.server.launchUrl();
    expect(launch).not.toContain(s.server.token);
    const launchPath = launch.slice(s.server.url.length - 1);
    expect((await raw(s.server.port, { path: launchPath })).status).toBe(303);
    const again = await raw(s.server.port, { path: launchPath });
    expect(again.status).toBe(401);
    expect(again.headers['set-cookie']).toBeUndefined();
    const wrong = await raw(s.server.port, { path: '/?token=nope' });
    expect(wrong.status).toBe(401);
    expect(wrong.headers['set-cookie']).toBeUndefined();
  });

  it('sends a Content-Security-Policy with the UI and cannot be framed', async () => {
    const res = await raw(s.server.port, { path: '/' });
    expect(res.status).toBe(200);
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain(`frame-src ${s.server.previewUrl.replace(/\/$/, '')}`);
    expect(csp).toContain("script-src 'self'");
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('stalled clients (headers never finished, a body that stops) do not hold up others', async () => {
    const stalled: net.Socket[] = [];
    for (let i = 0; i < 30; i++) {
      const sock = net.connect(s.server.port, '127.0.0.1');
      await new Promise((r) => sock.once('connect', r));
      sock.write(`GET /api/posts HTTP/1.1\r\nHost: 127.0.0.1:${s.server.port}\r\n`);
      stalled.push(sock);
    }
    const slowBody = net.connect(s.server.port, '127.0.0.1');
    await new Promise((r) => slowBody.once('connect', r));
    slowBody.write(
      `POST /api/posts HTTP/1.1\r\nHost: 127.0.0.1:${s.server.port}\r\nAuthorization: Bearer ${s.server.token}\r\n` +
        'Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"title": "Half',
    );
    stalled.push(slowBody);
    try {
      const before = await postCount();
      const res = await raw(s.server.port, { path: '/api/posts', headers: { cookie } });
      expect(res.status).toBe(200);
      // The client that went away mid-body wrote nothing.
      slowBody.destroy();
      await new Promise((r) => setTimeout(r, 100));
      expect(await postCount()).toBe(before);
    } finally {
      for (const sock of stalled) sock.destroy();
    }
  });

  it('puts the newest posts into the page only for a holder of the token', async () => {
    const boot = (body: string) =>
      /<script id="bds-boot" type="application\/json">(.*?)<\/script>/s.exec(body)?.[1];
    const anonymous = await raw(s.server.port, { path: '/' });
    expect(anonymous.status).toBe(200);
    expect(boot(anonymous.body)).toBeUndefined();
    const wrong = await raw(s.server.port, { path: '/', headers: { cookie: `${TOKEN_COOKIE}=nope` } });
    expect(boot(wrong.body)).toBeUndefined();
    const sly = await s.client.call('posts.create', { title: '</script><script>alert(1)</script>' });
    const mine = await raw(s.server.port, { path: '/', headers: { cookie } });
    const data = JSON.parse(boot(mine.body)!) as {
      posts: { slug: string; title: string }[];
      server: { previewUrl: string };
    };
    expect(data.posts.map((p) => p.slug)).toContain('first');
    expect(data.posts.map((p) => p.title)).toContain('</script><script>alert(1)</script>');
    await s.client.call('posts.delete', { ref: sly.id });
    expect(data.server.previewUrl).toBe(s.server.previewUrl);
  });

  it('compares tokens through equal-length digests (no early exit, no length leak)', () => {
    expect(sameToken('a', 'a-much-longer-token')).toBe(false);
    expect(sameToken('', 'x')).toBe(false);
    expect(sameToken(undefined, 'x')).toBe(false);
    expect(sameToken('same', 'same')).toBe(true);
  });
});
