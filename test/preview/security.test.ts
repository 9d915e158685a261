// The preview server is a door to the user's machine: it listens on loopback only, answers only to
// loopback Host names (DNS rebinding), never lets a path leave its folder, and refuses cross-site loads.
// One table per attack, against a real server over raw HTTP.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPreviewServer } from '../helpers/site.js';
import type { PreviewServer } from '../../src/site/index.js';
import { isLoopbackHost, resolveStaticFile } from '../../src/site/preview/security.js';
import { tempDir } from '../helpers/project.js';
import { openSampleBlog, rawRequest, type SampleBlog } from './fixture.js';

let blog: SampleBlog;
let server: PreviewServer;
let mediaFile: string;

beforeAll(async () => {
  blog = await openSampleBlog({ python: false });
  server = await startPreviewServer(blog.ws, { port: 0, resolver: null });
  mediaFile = (await blog.ws.call('media.get', { id: blog.mediaIds[0]! })).path; // media/YYYY/MM/ID.png
  // A secret next to the project and a symlink inside media/ pointing at it.
  fs.writeFileSync(path.join(blog.root, '..', `${path.basename(blog.root)}-secret.txt`), 'secret');
  fs.symlinkSync(path.join(blog.root, 'bds.json'), path.join(blog.root, 'media', 'link-to-settings.json'));
}, 60_000);

afterAll(async () => {
  await server?.close();
  await blog?.ws.close();
});

function connects(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('listening', () => {
  it('binds 127.0.0.1 only: the machine’s other addresses do not answer', async () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
    expect(await connects('127.0.0.1', server.port)).toBe(true);
    const others = Object.values(os.networkInterfaces())
      .flat()
      .filter((a) => a && a.family === 'IPv4' && !a.internal)
      .map((a) => a!.address);
    for (const address of others)
      expect({ address, open: await connects(address, server.port) }).toEqual({ address, open: false });
    expect(await connects('::1', server.port)).toBe(false);
  });

  it('a port already taken gives a clear error', async () => {
    await expect(startPreviewServer(blog.ws, { port: server.port, resolver: null })).rejects.toMatchObject({
      code: 'preview-port-in-use',
    });
  });
});

describe('dns-rebinding: only loopback Host names are answered', () => {
  const cases: [string, number][] = [
    ['evil.example.com', 403],
    ['evil.example.com:PORT', 403],
    ['127.0.0.1.evil.example.com', 403],
    ['localhost.evil.example.com', 403],
    ['192.168.1.10:PORT', 403],
    ['0.0.0.0:PORT', 403],
    ['[::ffff:7f00:1]:PORT', 403],
    ['127.0.0.1:PORT', 200],
    ['localhost:PORT', 200],
    ['LOCALHOST:PORT', 200],
    ['blog.localhost:PORT', 200],
    ['127.1.2.3:PORT', 200],
    ['[::1]:PORT', 200],
  ];
  it.each(cases)('Host %s → %i', async (host, status) => {
    const res = await rawRequest(server.port, '/', { Host: host.replace('PORT', String(server.port)) });
    expect(res.status).toBe(status);
    if (status === 403) expect(res.text).not.toContain('Test blog');
  });

  it('a request without any Host header is refused', () => {
    expect(isLoopbackHost(undefined)).toBe(false);
    expect(isLoopbackHost('')).toBe(false);
  });

  it('the event stream of a rebinding page is refused too', async () => {
    const res = await rawRequest(server.port, '/_bds/events', { Host: 'evil.example.com' });
    expect(res.status).toBe(403);
  });
});

describe('path-traversal: static paths never leave media/ and thumbnails/', () => {
  const attacks = [
    '/media/../bds.json',
    '/media/../../etc/passwd',
    '/media/%2e%2e/bds.json',
    '/media/%2E%2E/bds.json',
    '/media/..%2fbds.json',
    '/media/..%2Fbds.json',
    '/media/%2e%2e%2fbds.json',
    '/media/%252e%252e/bds.json',
    '/media/%252e%252e%252fbds.json',
    '/media/..%5cbds.json',
    '/media/..\\bds.json',
    '/media/%c0%ae%c0%ae/bds.json',
    '/media/./../bds.json',
    '/media/2026/../../bds.json',
    '/thumbnails/../bds.json',
    '/thumbnails/%2e%2e/bds.json',
    '/media/bds.json%00.png',
    '/media//etc/passwd',
    '/media/.index.db',
    '/media/link-to-settings.json',
    '/assets/../bds.json',
    '/assets/%2e%2e/bds.json',
  ];
  it.each(attacks)('%s is refused', async (attack) => {
    const res = await rawRequest(server.port, attack);
    expect([400, 403, 404]).toContain(res.status);
    expect(res.text).not.toContain('0b0e8f5e-6a43-4d2a-9a55-5d0c6a1f0001'); // the project id in bds.json
    expect(res.text).not.toContain('root:');
  });

  it('the media file itself is served (the checks do not refuse everything)', async () => {
    const res = await rawRequest(server.port, `/${mediaFile}`);
    expect(res.status).toBe(200);
    expect(res.body.equals(fs.readFileSync(path.join(blog.root, mediaFile)))).toBe(true);
  });

  it('resolveStaticFile: encoded and double-encoded dots, backslashes and NUL are refused, symlinks out of the root too', () => {
    const root = tempDir();
    fs.mkdirSync(path.join(root, 'pics'));
    fs.writeFileSync(path.join(root, 'pics', 'a.png'), 'png');
    const outside = tempDir();
    fs.writeFileSync(path.join(outside, 'secret.txt'), 'secret');
    fs.symlinkSync(outside, path.join(root, 'escape'));
    const table: [string, boolean | number][] = [
      ['pics/a.png', true],
      ['pics/%61.png', true],
      ['../secret.txt', 403],
      ['%2e%2e/secret.txt', 403],
      ['%252e%252e/secret.txt', 403],
      ['pics%2f..%2f..%2fsecret.txt', 403],
      ['pics\\a.png', 403],
      ['pics/a.png%00', 403],
      ['escape/secret.txt', 403],
      ['pics/.hidden', 404],
      ['pics', 404],
      ['', 404],
      ['%E0%A4%A', 400],
    ];
    for (const [url, want] of table) {
      const got = resolveStaticFile(root, url);
      expect({ url, got: got.ok ? true : got.status }).toEqual({ url, got: want });
    }
  });
});

describe('cross-site: another site may link to the preview but not load from it or listen to it', () => {
  it('a cross-site subresource load (script, image, fetch) is refused; a navigation is allowed', async () => {
    const load = (mode: string, site = 'cross-site') =>
      rawRequest(server.port, '/', { 'Sec-Fetch-Site': site, 'Sec-Fetch-Mode': mode }).then((r) => r.status);
    expect(await load('no-cors')).toBe(403);
    expect(await load('cors')).toBe(403);
    expect(await load('navigate')).toBe(200);
    expect(await load('no-cors', 'same-origin')).toBe(200);
  });

  it('the event stream refuses a foreign Origin and never sends Access-Control-Allow-Origin', async () => {
    const foreign = await rawRequest(server.port, '/_bds/events', { Origin: 'https://evil.example.com' });
    expect(foreign.status).toBe(403);
    const page = await rawRequest(server.port, '/', { Origin: 'https://evil.example.com' });
    expect(page.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('only reads: POST, PUT and DELETE are refused', async () => {
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const res = await rawRequest(server.port, '/', {}, method);
      expect({ method, status: res.status }).toEqual({ method, status: 405 });
    }
  });
});
