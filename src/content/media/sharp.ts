// sharp (libvips) loads on first use: most commands (build, preview, posts) never touch an image, and
// loading it costs about 130 ms at every start.
import type sharpModule from 'sharp';

let loading: Promise<typeof sharpModule> | undefined;

export function loadSharp(): Promise<typeof sharpModule> {
  loading ??= import('sharp').then((m) => m.default);
  return loading;
}
