// The theme of a project (built-in templates under the user's), parsed once and read again only when a
// file in templates/ or the theme setting changed.
import { loadTheme, userTemplatesStamp, type LoadedTheme } from '../render/liquid/index.js';
import type { SiteSnapshot } from './source.js';

export class ThemeCache {
  private state?: { key: string; loaded: LoadedTheme };

  /** Throws `template-error` (file and line) when a template does not parse. */
  get(snapshot: Pick<SiteSnapshot, 'settings' | 'paths'>): LoadedTheme {
    const key = `${snapshot.settings.theme}|${userTemplatesStamp(snapshot.paths.templates)}`;
    if (this.state?.key !== key) {
      const loaded = loadTheme(snapshot.settings.theme, snapshot.paths.templates);
      loaded.theme.parseAll();
      this.state = { key, loaded };
    }
    return this.state.loaded;
  }

  invalidate(): void {
    this.state = undefined;
  }
}
