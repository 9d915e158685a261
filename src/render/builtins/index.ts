// The built-in JS macros by name. A built-in always wins over a Python script of the same name.
import { gallery } from './gallery.js';
import { photoArchive } from './photo-archive.js';
import { tagCloud } from './tag-cloud.js';
import type { BuiltinMacro } from './types.js';
import { vimeo } from './vimeo.js';
import { youtube } from './youtube.js';

export const BUILTIN_MACROS: ReadonlyMap<string, BuiltinMacro> = new Map<string, BuiltinMacro>([
  ['youtube', youtube],
  ['vimeo', vimeo],
  ['gallery', gallery],
  ['photo_archive', photoArchive],
  ['photo_album', photoArchive],
  ['tag_cloud', tagCloud],
]);

/** The parameters each built-in reads, for the editor's completion. */
export const BUILTIN_PARAMS: ReadonlyMap<string, readonly string[]> = new Map<string, readonly string[]>([
  ['youtube', ['id', 'title']],
  ['vimeo', ['id', 'title']],
  ['gallery', ['caption']],
  ['photo_archive', ['year', 'month']],
  ['photo_album', ['year', 'month']],
  ['tag_cloud', ['orientation', 'limit']],
]);

export function isBuiltinMacro(name: string): boolean {
  return BUILTIN_MACROS.has(name);
}

export { MacroParamError } from './types.js';
export type { BuiltinContext, BuiltinMacro } from './types.js';
