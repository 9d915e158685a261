// [[vimeo id=123456 title="..."]]: a click-to-play Vimeo video (player with do-not-track).
import { embedPlaceholder } from './embed.js';
import { textParam } from './params.js';
import { MacroParamError, type BuiltinMacro } from './types.js';

const VIMEO_ID = /^\d{1,20}$/;

export const vimeo: BuiltinMacro = (params) => {
  const id = textParam(params, 'id');
  if (!id) throw new MacroParamError('vimeo needs an id, e.g. [[vimeo id=76979871]]');
  if (!VIMEO_ID.test(id)) throw new MacroParamError(`vimeo id "${id}" is not a Vimeo video id (digits only)`);
  const title = textParam(params, 'title') || 'Vimeo video';
  return embedPlaceholder({
    provider: 'vimeo',
    providerLabel: 'Vimeo',
    host: 'player.vimeo.com',
    title,
    embedSrc: `https://player.vimeo.com/video/${id}?dnt=1&autoplay=1`,
    allow: 'autoplay; fullscreen; picture-in-picture',
    watchUrl: `https://vimeo.com/${id}`,
  });
};
