// [[youtube id="VIDEO_ID" title="..."]]: a click-to-play YouTube video from youtube-nocookie.com.
import { embedPlaceholder } from './embed.js';
import { textParam } from './params.js';
import { MacroParamError, type BuiltinMacro } from './types.js';

const YOUTUBE_ID = /^[\w-]{11}$/;

export const youtube: BuiltinMacro = (params) => {
  const id = textParam(params, 'id');
  if (!id) throw new MacroParamError('youtube needs an id, e.g. [[youtube id="dQw4w9WgXcQ"]]');
  if (!YOUTUBE_ID.test(id)) {
    throw new MacroParamError(`youtube id "${id}" is not a YouTube video id (11 letters, digits, - or _)`);
  }
  const title = textParam(params, 'title') || 'YouTube video';
  return embedPlaceholder({
    provider: 'youtube',
    providerLabel: 'YouTube',
    host: 'youtube-nocookie.com',
    title,
    embedSrc: `https://www.youtube-nocookie.com/embed/${id}?rel=0&autoplay=1`,
    allow: 'accelerometer; autoplay; clipboard-write; encrypted-media; gyroscope; picture-in-picture',
    watchUrl: `https://www.youtube.com/watch?v=${id}`,
  });
};
