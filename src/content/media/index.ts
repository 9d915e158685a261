// Media: files under media/YYYY/MM/ with YAML sidecars, WebP thumbnails, and the library over the index.
export {
  supportsThumbnails,
  isImage,
  parseSidecar,
  serializeSidecar,
  SIDECAR_KEYS,
  type MediaRecord,
} from './media-file.js';
export {
  assertMediaPath,
  isMediaId,
  isSidecar,
  mediaPathOfSidecar,
  mediaUrl,
  resolveInside,
  SIDECAR_SUFFIX,
  sidecarPathOf,
  THUMBNAIL_SIZES,
  thumbnailPath,
  type ThumbnailSize,
} from './media-paths.js';
export { detectFileKind, extensionOf, mimeTypeOfExtension, type FileKind } from './media-type.js';
export {
  finishInterruptedImports,
  importMedia,
  importMediaFiles,
  type ImportOptions,
  type InterruptedImports,
  type MediaImportProgress,
  type MediaImportResult,
  type MediaMetadata,
} from './media-import.js';
export {
  findMediaSidecar,
  MAX_SIDECAR_BYTES,
  readMediaById,
  readMediaSidecar,
  scanMedia,
  scanMediaEntries,
  type MediaScan,
  type ScannedMedia,
} from './media-scan.js';
export { deleteMedia, replaceMediaFile, updateMediaMetadata, type MediaPatch } from './media-edit.js';
export { ensureThumbnails, removeThumbnails, type EnsureThumbnailsOptions } from './thumbnails.js';
export { MediaStore, type MediaIndexReport } from './media-store.js';
