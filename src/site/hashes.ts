// The hashes the site build keys its caches and files by, in one place: one-shot `crypto.hash` calls (no
// hash object per call), which matters at the ~110,000 hashes of a build of 50,000 posts. Light enough
// for the page worker to load.
import { hash } from 'node:crypto';

/** sha256 of a file's content (or any text), hex. */
export function sha256(content: string | Buffer): string {
  return hash('sha256', content, 'hex');
}

/** A fingerprint of a JSON value. */
export function hashOf(value: unknown): string {
  return hash('sha1', JSON.stringify(value), 'base64');
}

/** One hash over many strings, with a single update (many small updates cost more than the hashing). */
export function hashJoined(parts: readonly (string | number)[]): string {
  return hash('sha1', parts.join('\u0000'), 'base64');
}
