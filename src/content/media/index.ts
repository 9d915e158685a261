// Media: files with YAML sidecars, thumbnails, and the library over the index.
export * from './media-file.js';
export { importMedia, makeThumbnails, removeMediaFiles, type ImportOptions } from './media-import.js';
export { MediaStore, type MediaImportResult, type MediaIndexReport, type MediaPatch } from './media-store.js';
