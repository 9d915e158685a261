// Media uploads over HTTP: the body streams to a private temp folder under .bds/ with a size cap, then
// the `media.import` use case takes the file like `bds media import` does (or `media.replace` puts it in
// place of a media file). A client that disconnects or sends too much leaves nothing behind: the temp
// folder goes, and the library only ever sees whole files.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { BdsError, type OutputOf, type Workspace } from '../app/index.js';
import { queryInput, readLimited, tooLarge } from './api.js';
import { z } from 'zod';

export const DEFAULT_MAX_UPLOAD_BYTES = 512 * 1024 * 1024;

const UploadQuery = z.object({
  name: z.string(),
  title: z.string().optional(),
  alt: z.string().optional(),
  caption: z.string().optional(),
  tags: z.array(z.string()).optional(),
  post: z.string().optional(),
  replace: z.string().optional(),
});

/** What an upload answers: the import's results (and the post it linked them to). */
export type UploadAnswer = OutputOf<'media.import'>;
/** What an upload with `replace=<media id>` answers: the media record, its file replaced. */
export type UploadReplaceAnswer = OutputOf<'media.replace'>;

/** The uploaded file's name as the library will keep it: no folders, no leading dots, no control characters. */
export function uploadName(raw: string | undefined): string {
  const base = (raw ?? '').split(/[\\/]/).pop() ?? '';
  const clean = [...base]
    .filter((ch) => ch.charCodeAt(0) >= 0x20 && ch.charCodeAt(0) !== 0x7f)
    .join('')
    .replace(/^\.+/, '')
    .trim()
    .slice(0, 200);
  if (clean === '') {
    throw new BdsError('invalid-argument', 'An upload needs a file name: ?name=photo.jpg', {
      details: { field: 'name' },
    });
  }
  return clean;
}

async function saveBody(body: ReadableStream<Uint8Array>, file: string, limit: number): Promise<void> {
  const out = fs.createWriteStream(file, { flags: 'wx', mode: 0o600 });
  try {
    await readLimited(body, limit, async (chunk) => {
      if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    });
  } finally {
    await new Promise<void>((resolve) => out.end(resolve));
  }
}

/**
 * `POST /api/media/upload?name=...`: stream, then import (and link to `post` when given).
 * `POST /api/media/upload?name=...&replace=<media id>`: stream, then replace that media file's bytes.
 */
export async function uploadMedia(
  ws: Workspace,
  req: Request,
  query: Record<string, string[]>,
  limit = DEFAULT_MAX_UPLOAD_BYTES,
): Promise<UploadAnswer | UploadReplaceAnswer> {
  const declared = Number(req.headers.get('content-length') ?? '0');
  if (declared > limit) throw tooLarge(limit);
  const parsed = UploadQuery.safeParse(queryInput(UploadQuery, query));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new BdsError(
      'invalid-argument',
      `upload: "${issue?.path.join('.')}" ${issue?.message ?? 'is invalid'}`,
    );
  }
  const { name: rawName, replace, ...meta } = parsed.data;
  const name = uploadName(rawName);
  if (replace !== undefined) {
    // A replacement keeps the item's metadata and links: fields for a new item are a mistake.
    const extra = Object.keys(meta).filter((k) => meta[k as keyof typeof meta] !== undefined);
    if (extra.length > 0) {
      throw new BdsError(
        'invalid-argument',
        `upload: "replace" keeps the media's metadata and links; ${extra.map((k) => `"${k}"`).join(', ')} cannot go with it`,
        { details: { field: extra[0] } },
      );
    }
    // An unknown id fails before the body is read.
    await ws.call('media.get', { id: replace }, { caller: 'http' });
  }
  if (!req.body)
    throw new BdsError('invalid-argument', 'The upload is empty: send the file as the request body');
  const dir = path.join(ws.project.paths.cache, 'uploads', randomBytes(8).toString('hex'));
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    const file = path.join(dir, name);
    await saveBody(req.body, file, limit);
    if (replace !== undefined)
      return await ws.call('media.replace', { id: replace, file }, { caller: 'http' });
    return await ws.call('media.import', { files: [file], ...meta }, { caller: 'http' });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
