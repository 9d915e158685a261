// What kind of file is being imported: the MIME type from the image's own header when sharp can read
// it (a PNG named .jpg is still a PNG), else from the extension, else application/octet-stream.
import { loadSharp } from './sharp.js';

const MIME_BY_EXTENSION: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  svg: 'image/svg+xml',
  tif: 'image/tiff',
  tiff: 'image/tiff',
  heic: 'image/heic',
  heif: 'image/heif',
  jxl: 'image/jxl',
  jp2: 'image/jp2',
  bmp: 'image/bmp',
  ico: 'image/x-icon',
  mp4: 'video/mp4',
  m4v: 'video/mp4',
  webm: 'video/webm',
  mov: 'video/quicktime',
  mkv: 'video/x-matroska',
  mp3: 'audio/mpeg',
  m4a: 'audio/mp4',
  ogg: 'audio/ogg',
  oga: 'audio/ogg',
  opus: 'audio/opus',
  wav: 'audio/wav',
  flac: 'audio/flac',
  pdf: 'application/pdf',
  txt: 'text/plain',
  md: 'text/markdown',
  csv: 'text/csv',
  json: 'application/json',
  zip: 'application/zip',
  gz: 'application/gzip',
  epub: 'application/epub+zip',
};

export const OCTET_STREAM = 'application/octet-stream';

export function mimeTypeOfExtension(ext: string): string | undefined {
  return Object.hasOwn(MIME_BY_EXTENSION, ext) ? MIME_BY_EXTENSION[ext] : undefined;
}

/** The usual extension of a MIME type (the first one listed above), if bds knows one. */
export function extensionOfMimeType(mimeType: string): string | undefined {
  return Object.entries(MIME_BY_EXTENSION).find(([, m]) => m === mimeType)?.[0];
}

export interface FileKind {
  mimeType: string;
  /** Display size (after EXIF orientation) of images sharp can read. */
  width?: number;
  height?: number;
}

function mimeTypeOfFormat(format: string, compression: string | undefined): string | undefined {
  switch (format) {
    case 'jpeg':
    case 'png':
    case 'gif':
    case 'webp':
    case 'avif':
    case 'tiff':
    case 'jxl':
    case 'jp2':
      return `image/${format}`;
    case 'svg':
      return 'image/svg+xml';
    case 'heif':
      // sharp names both AVIF and HEIC "heif"; the compression tells them apart.
      return compression === 'av1' ? 'image/avif' : 'image/heic';
    default:
      return undefined;
  }
}

/** Detect a file's kind; `ext` is its lower-cased extension without the dot. */
export async function detectFileKind(file: string, ext: string): Promise<FileKind> {
  try {
    const sharp = await loadSharp();
    const meta = await sharp(file, { animated: false }).metadata();
    const mimeType = meta.format ? mimeTypeOfFormat(meta.format, meta.compression) : undefined;
    if (mimeType) {
      const oriented = meta.autoOrient ?? { width: meta.width, height: meta.height };
      return { mimeType, width: oriented.width || undefined, height: oriented.height || undefined };
    }
  } catch {
    // Not an image sharp can read: the extension decides below.
  }
  return { mimeType: mimeTypeOfExtension(ext) ?? OCTET_STREAM };
}

/** The lower-cased extension of a file name, without the dot ('' for none; `.bashrc` has none). */
export function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
}

/** The stored file's extension: the original one when it is plain `[a-z0-9]{1,10}`, else one for its type. */
export function chooseExtension(originalName: string, mimeType: string): string {
  const raw = extensionOf(originalName);
  if (/^[a-z0-9]{1,10}$/.test(raw)) return raw;
  return extensionOfMimeType(mimeType) ?? 'bin';
}
