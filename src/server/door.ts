// The app server's door (DESIGN.md §8): it can run Python and push to git for whoever gets in, so every
// request is checked before anything else. Host must be this server's loopback name and port (DNS
// rebinding), other sites and the preview origin are refused (Origin, Sec-Fetch-Site), and the API and
// the event stream need the per-run token, from an HttpOnly cookie or an Authorization header.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { isLoopbackHost } from '../site/index.js';

export const TOKEN_COOKIE = 'bds_token';

/** A fresh token of 256 bits, URL-safe. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Compares in time independent of where the strings differ (hashes make the lengths equal too). */
export function sameToken(given: string | undefined, token: string): boolean {
  if (given === undefined || given === '') return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(token).digest();
  return timingSafeEqual(a, b);
}

export interface Refusal {
  status: 400 | 401 | 403;
  code: 'forbidden-host' | 'forbidden-origin' | 'cross-site' | 'missing-token' | 'wrong-token';
  message: string;
}

export interface DoorRequest {
  method: string;
  path: string;
  header(name: string): string | undefined;
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function bearer(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return m?.[1];
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export class Door {
  constructor(
    private readonly token: string,
    private readonly port: number,
    /** A host other than loopback that the user chose to listen on (`bds serve --host`). */
    private readonly extraHost?: string,
  ) {}

  /** The Host names this server answers to: loopback names (and the chosen host) with its own port. */
  hostAllowed(host: string | undefined): boolean {
    if (!host || !host.endsWith(`:${this.port}`)) return false;
    if (this.extraHost !== undefined && host.toLowerCase() === `${this.extraHost.toLowerCase()}:${this.port}`)
      return true;
    return isLoopbackHost(host);
  }

  /** Origins of this server's own pages (the Host was checked first, so it names this server). */
  private sameOrigin(origin: string, host: string): boolean {
    return origin === `http://${host}`;
  }

  private hostRefusal(host: string | undefined): Refusal | undefined {
    if (this.hostAllowed(host)) return undefined;
    return {
      status: 403,
      code: 'forbidden-host',
      message: 'This bds server answers only to 127.0.0.1 or localhost with its own port.',
    };
  }

  /** The checks every request passes: Host, then Origin and Sec-Fetch-Site. */
  checkSite(req: DoorRequest): Refusal | undefined {
    const host = req.header('host');
    const wrongHost = this.hostRefusal(host);
    if (wrongHost) return wrongHost;
    const origin = req.header('origin');
    if (origin !== undefined && !this.sameOrigin(origin, host!)) {
      return { status: 403, code: 'forbidden-origin', message: `Requests from ${origin} are refused.` };
    }
    // Browsers say where a request comes from: another site, or the preview on another port of the same
    // host ('same-site'), may not make the app's requests, load its scripts or read its events.
    const site = req.header('sec-fetch-site');
    if (site !== undefined && site !== 'same-origin' && site !== 'none') {
      return { status: 403, code: 'cross-site', message: 'Requests from other sites are refused.' };
    }
    return undefined;
  }

  /**
   * The checks of the one page another site may open (the blogmark confirm page, which writes nothing):
   * Host as always, and only as a page of its own. A frame, a fetch, or a script, style or image load
   * from another site is refused.
   */
  checkNavigation(req: DoorRequest): Refusal | undefined {
    const host = req.header('host');
    const wrongHost = this.hostRefusal(host);
    if (wrongHost) return wrongHost;
    const mode = req.header('sec-fetch-mode');
    const dest = req.header('sec-fetch-dest');
    if ((mode !== undefined && mode !== 'navigate') || (dest !== undefined && dest !== 'document')) {
      return {
        status: 403,
        code: 'cross-site',
        message: 'This page opens only in a window or tab of its own, not in a frame or from a script.',
      };
    }
    const origin = req.header('origin');
    if (origin !== undefined && !this.sameOrigin(origin, host!)) {
      return { status: 403, code: 'forbidden-origin', message: `Requests from ${origin} are refused.` };
    }
    return undefined;
  }

  /** The token check of the API and the event stream, after `checkSite`. */
  checkToken(req: DoorRequest): Refusal | undefined {
    const fromHeader = bearer(req.header('authorization'));
    const fromCookie = cookieValue(req.header('cookie'), TOKEN_COOKIE);
    const given = fromHeader ?? fromCookie;
    if (given === undefined) {
      return {
        status: 401,
        code: 'missing-token',
        message: 'This request needs the token of this bds server: open the URL `bds serve` printed.',
      };
    }
    if (!sameToken(given, this.token)) {
      return {
        status: 401,
        code: 'wrong-token',
        message: 'The token does not match this bds server (it changes every run): open the URL it printed.',
      };
    }
    // A cookie rides along with any request the browser makes; a state-changing one must also say it
    // comes from this server's own page (browsers send Origin on every POST, PUT, PATCH and DELETE).
    if (fromHeader === undefined && !SAFE_METHODS.has(req.method) && req.header('origin') === undefined) {
      return {
        status: 403,
        code: 'forbidden-origin',
        message: 'A change made with the cookie must come from the bds app (no Origin header was sent).',
      };
    }
    return undefined;
  }

  /** `Set-Cookie` for the token: the browser keeps it for this host only and never shows it to scripts. */
  cookie(): string {
    return `${TOKEN_COOKIE}=${this.token}; HttpOnly; SameSite=Strict; Path=/`;
  }
}
