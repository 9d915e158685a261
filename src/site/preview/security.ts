// The preview server's door checks: loopback Host names only (DNS rebinding), no cross-site subresource
// loads, and static paths that can never leave their folder (`..`, encoded forms, symlinks).
import fs from 'node:fs';
import path from 'node:path';

/** True for `localhost`, `*.localhost`, `127.x.x.x` and `[::1]`, with or without a port. */
export function isLoopbackHost(host: string | undefined): boolean {
  if (!host) return false;
  const h = host.trim().toLowerCase();
  let name: string;
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    if (end < 0) return false;
    name = h.slice(1, end);
    const rest = h.slice(end + 1);
    if (rest !== '' && !/^:\d{1,5}$/.test(rest)) return false;
    return name === '::1';
  }
  const m = /^([^:]+)(?::(\d{1,5}))?$/.exec(h);
  if (!m) return false;
  name = m[1]!;
  if (name === 'localhost' || name.endsWith('.localhost')) return /^[a-z0-9.-]+$/.test(name);
  const octets = name.split('.');
  return (
    octets.length === 4 && octets[0] === '127' && octets.every((o) => /^\d{1,3}$/.test(o) && Number(o) <= 255)
  );
}

/** An Origin header is acceptable when absent or a loopback http origin. */
export function isLoopbackOrigin(origin: string | undefined): boolean {
  if (origin === undefined) return true;
  try {
    const u = new URL(origin);
    return u.protocol === 'http:' && isLoopbackHost(u.host);
  } catch {
    return false;
  }
}

/**
 * Another site may link to the preview (a navigation) but not load its pages as scripts, styles or
 * images into itself: those come with `Sec-Fetch-Site: cross-site` and a mode other than `navigate`.
 */
export function isCrossSiteSubresource(headers: Record<string, string | string[] | undefined>): boolean {
  const site = headers['sec-fetch-site'];
  const mode = headers['sec-fetch-mode'];
  return site === 'cross-site' && mode !== 'navigate';
}

export type StaticResolution = { ok: true; file: string } | { ok: false; status: 400 | 403 | 404 };

/**
 * The file under `root` that `urlPath` (the part after the mount, still percent-encoded) names.
 * Refuses: backslashes, NUL, `.`/`..` segments (also encoded or double-encoded), dot-files, and paths
 * whose real location (after symlinks) is outside the real root.
 */
export function resolveStaticFile(root: string, urlPath: string): StaticResolution {
  if (/\\|%5c|%00|\0/i.test(urlPath)) return { ok: false, status: 403 };
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return { ok: false, status: 400 };
  }
  // Anything still encoded after one decoding is a double-encoding attempt: no bds file name holds `%`.
  if (decoded.includes('%') || decoded.includes('\\') || decoded.includes('\0'))
    return { ok: false, status: 403 };
  const segments = decoded.split('/').filter((s) => s !== '');
  if (segments.some((s) => s === '..' || s === '.')) return { ok: false, status: 403 };
  if (segments.length === 0 || segments.some((s) => s.startsWith('.'))) return { ok: false, status: 404 };
  const base = path.resolve(root);
  const abs = path.resolve(base, ...segments);
  if (!abs.startsWith(base + path.sep)) return { ok: false, status: 403 };
  let real: string;
  let realRoot: string;
  try {
    realRoot = fs.realpathSync(base);
    real = fs.realpathSync(abs);
  } catch {
    return { ok: false, status: 404 };
  }
  if (!real.startsWith(realRoot + path.sep)) return { ok: false, status: 403 };
  try {
    if (!fs.statSync(real).isFile()) return { ok: false, status: 404 };
  } catch {
    return { ok: false, status: 404 };
  }
  return { ok: true, file: real };
}
