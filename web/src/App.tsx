// The app shell: sections, the posts list, the open post with its preview, the status bar; under 900 px
// one column at a time. Keyboard: Ctrl/Cmd-K the command palette, Ctrl/Cmd-P preview on or off,
// Ctrl/Cmd-B build, Ctrl/Cmd-S save, arrows and Enter in the list.
import { lazy, Suspense, useCallback, useEffect, useRef, useState } from 'react';
import { flushSync } from 'react-dom';
import { Nav, type Section } from './components/Nav.js';
import { PostList } from './components/PostList.js';
import { ScriptList } from './components/ScriptList.js';
import { TemplateList } from './components/TemplateList.js';
import { followScroll, PreviewPane, type LiveDraft } from './components/PreviewPane.js';
import { Splitter } from './components/Splitter.js';
import { StatusBar } from './components/StatusBar.js';
import { Toasts } from './components/Toasts.js';
import { CommandPalette, type Command } from './components/CommandPalette.js';
import { client, getState, refreshMedia, refreshPosts, reportError, useStore } from './store.js';
import { setTheme } from './theme.js';
import { browserPython } from './python/client.js';
import { runBuild } from './components/BuildPanel.js';

// The editor (CodeMirror) loads after the list is on screen: the first rows wait for nothing but the list.
const PostEditor = lazy(() => import('./components/PostEditor.js').then((m) => ({ default: m.PostEditor })));

// The media library (and its grid) loads when the section is first opened.
const MediaLibrary = lazy(() =>
  import('./components/MediaLibrary.js').then((m) => ({ default: m.MediaLibrary })),
);

const ScriptEditor = lazy(() =>
  import('./components/ScriptEditor.js').then((m) => ({ default: m.ScriptEditor })),
);

const SettingsSection = lazy(() =>
  import('./components/SettingsSection.js').then((m) => ({ default: m.SettingsSection })),
);

const TemplateEditor = lazy(() =>
  import('./components/TemplateEditor.js').then((m) => ({ default: m.TemplateEditor })),
);

/** `#templates` and `#template/NAME`: the templates, with one open. */
function templateFromHash(): { open: boolean; name?: string } {
  const m = /^#(?:templates|template\/(.+))$/.exec(location.hash);
  return m ? { open: true, ...(m[1] ? { name: decodeURIComponent(m[1]) } : {}) } : { open: false };
}

const PublishSection = lazy(() =>
  import('./components/PublishSection.js').then((m) => ({ default: m.PublishSection })),
);

/** `#scripts` and `#script/ID`: the scripts, with one open. */
function scriptFromHash(): { open: boolean; id?: string } {
  const m = /^#(?:scripts|script\/(.+))$/.exec(location.hash);
  return m ? { open: true, ...(m[1] ? { id: decodeURIComponent(m[1]) } : {}) } : { open: false };
}

/** The open post lives in the address (`#post/ID`), so reloading the page keeps it open. */
function postFromHash(): string | undefined {
  const m = /^#post\/(.+)$/.exec(location.hash);
  return m ? decodeURIComponent(m[1]!) : undefined;
}

/** `#media` and `#media/ID`: the media library, with one item's details open. */
function mediaFromHash(): { open: boolean; id?: string } {
  const m = /^#media(?:\/(.+))?$/.exec(location.hash);
  return m ? { open: true, ...(m[1] ? { id: decodeURIComponent(m[1]) } : {}) } : { open: false };
}

export function App() {
  const [postId, setPostId] = useState<string | undefined>(postFromHash());
  const [showPreview, setShowPreview] = useState(true);
  /** On a narrow window the editor and the preview take turns. */
  const [narrowPane, setNarrowPane] = useState<'editor' | 'preview'>('editor');
  const [view, setView] = useState<'list' | 'work'>(
    postFromHash() || scriptFromHash().id || templateFromHash().name ? 'work' : 'list',
  );
  const [section, setSection] = useState<Section>(
    templateFromHash().open
      ? 'templates'
      : mediaFromHash().open
        ? 'media'
        : scriptFromHash().open
          ? 'scripts'
          : location.hash === '#settings'
            ? 'settings'
            : location.hash === '#publish'
              ? 'publish'
              : 'posts',
  );
  const [scriptId, setScriptId] = useState<string | undefined>(scriptFromHash().id);
  const [mediaId, setMediaId] = useState<string | undefined>(mediaFromHash().id);
  const [templateName, setTemplateName] = useState<string | undefined>(templateFromHash().name);
  const searchRef = useRef<HTMLInputElement>(null);
  const [live, setLive] = useState<{ postId: string; draft: LiveDraft }>();
  const [palette, setPalette] = useState(false);
  const ready = useStore((s) => s.ready);
  const title = useStore((s) => s.posts.find((p) => p.id === postId)?.title);

  const open = useCallback((id: string | undefined) => {
    setSection('posts');
    setPostId(id);
    setView(id ? 'work' : 'list');
    history.replaceState(null, '', id ? `#post/${encodeURIComponent(id)}` : '#');
  }, []);

  const showSection = useCallback(
    (next: Section) => {
      setSection(next);
      if (next === 'media') {
        history.replaceState(null, '', mediaId ? `#media/${encodeURIComponent(mediaId)}` : '#media');
      } else if (next === 'templates') {
        history.replaceState(
          null,
          '',
          templateName ? `#template/${encodeURIComponent(templateName)}` : '#templates',
        );
        setView(templateName ? 'work' : 'list');
      } else if (next === 'settings') {
        history.replaceState(null, '', '#settings');
      } else if (next === 'publish') {
        history.replaceState(null, '', '#publish');
      } else if (next === 'scripts') {
        history.replaceState(null, '', scriptId ? `#script/${encodeURIComponent(scriptId)}` : '#scripts');
        setView(scriptId ? 'work' : 'list');
      } else {
        history.replaceState(null, '', postId ? `#post/${encodeURIComponent(postId)}` : '#');
        setView(postId ? 'work' : 'list');
      }
    },
    [mediaId, postId, scriptId, templateName],
  );

  const openScript = useCallback((id: string | undefined) => {
    setSection('scripts');
    setScriptId(id);
    setView(id ? 'work' : 'list');
    history.replaceState(null, '', id ? `#script/${encodeURIComponent(id)}` : '#scripts');
  }, []);

  const openTemplate = useCallback((name: string | undefined) => {
    setSection('templates');
    setTemplateName(name);
    setView(name ? 'work' : 'list');
    history.replaceState(null, '', name ? `#template/${encodeURIComponent(name)}` : '#templates');
  }, []);

  const chooseMedia = useCallback((id: string | undefined) => {
    setMediaId(id);
    history.replaceState(null, '', id ? `#media/${encodeURIComponent(id)}` : '#media');
  }, []);

  useEffect(() => {
    const onHash = () => {
      const media = mediaFromHash();
      if (media.open) {
        setSection('media');
        setMediaId(media.id);
        return;
      }
      const template = templateFromHash();
      if (template.open) {
        setSection('templates');
        setTemplateName(template.name);
        setView(template.name ? 'work' : 'list');
        return;
      }
      if (location.hash === '#settings') {
        setSection('settings');
        return;
      }
      if (location.hash === '#publish') {
        setSection('publish');
        return;
      }
      const script = scriptFromHash();
      if (script.open) {
        setSection('scripts');
        setScriptId(script.id);
        setView(script.id ? 'work' : 'list');
        return;
      }
      const id = postFromHash();
      setSection('posts');
      setPostId(id);
      setView(id ? 'work' : 'list');
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  // Once the posts are in, the media library's code and list are fetched while the page is idle: the
  // Media section then opens at once.
  useEffect(() => {
    if (!ready) return;
    const id = requestIdleCallback(
      () => {
        void import('./components/MediaLibrary.js');
        if (!getState().media) void refreshMedia();
      },
      { timeout: 3000 },
    );
    return () => cancelIdleCallback(id);
  }, [ready]);

  // Python in the browser loads in the background once the page is idle; until it is ready the preview
  // asks the server's Python.
  const previewUrl = useStore((s) => s.previewUrl);
  useEffect(() => {
    if (!ready || !previewUrl) return;
    const id = requestIdleCallback(() => browserPython.start(previewUrl), { timeout: 3000 });
    return () => cancelIdleCallback(id);
  }, [ready, previewUrl]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const mod = e.ctrlKey || e.metaKey;
      if (mod && e.key.toLowerCase() === 'k') {
        e.preventDefault();
        flushSync(() => setPalette(true));
      } else if (mod && e.key.toLowerCase() === 'b') {
        e.preventDefault();
        void buildSite();
      } else if (mod && e.key.toLowerCase() === 'p') {
        e.preventDefault();
        setShowPreview((v) => !v);
      } else if (mod && e.key.toLowerCase() === 's') {
        // Saving happens in the editor; outside it, keep the browser's "save page" away.
        e.preventDefault();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  // Ctrl/Cmd-B and the palette: the build panel opens and shows the build's progress and summary.
  const buildSite = async () => {
    window.dispatchEvent(new CustomEvent('bds-open-build'));
    await runBuild();
  };

  const commands: Command[] = [
    { id: 'new', label: 'New post', run: () => void newPost() },
    { id: 'new-page', label: 'New page', hint: 'served at /slug/', run: () => void newPost('page') },
    { id: 'search', label: 'Search posts', hint: 'full text', run: () => focusSearch() },
    {
      id: 'preview',
      label: 'Show or hide the preview',
      hint: 'Ctrl+P',
      run: () => setShowPreview((v) => !v),
    },
    { id: 'build', label: 'Build the site', hint: 'Ctrl+B', run: () => void buildSite() },
    { id: 'posts', label: 'Go to Posts', run: () => showSection('posts') },
    {
      id: 'switch',
      label: 'Switch project…',
      run: () => window.dispatchEvent(new Event('bds-switch-project')),
    },
    { id: 'media', label: 'Go to Media', hint: 'library', run: () => showSection('media') },
    { id: 'scripts', label: 'Go to Scripts', hint: 'Python', run: () => showSection('scripts') },
    { id: 'templates', label: 'Go to Templates', hint: 'Liquid', run: () => showSection('templates') },
    { id: 'publish', label: 'Go to Publish', hint: 'git, upload', run: () => showSection('publish') },
    { id: 'settings', label: 'Go to Settings', hint: 'Technology, Data', run: () => showSection('settings') },
    ...(['light', 'dark', 'system'] as const).map((t) => ({
      id: `theme-${t}`,
      label: `Theme: ${t}`,
      run: () => setTheme(t),
    })),
  ];

  function focusSearch() {
    // At once, not after a timer: the next key typed goes into the search box.
    flushSync(() => {
      setSection('posts');
      setView('list');
    });
    searchRef.current?.focus();
    searchRef.current?.select();
  }

  /** A new draft; a page is a post in the category "page" (served at /slug/). */
  const newPost = async (kind: 'post' | 'page' = 'post') => {
    try {
      const p = await client.call(
        'posts.create',
        kind === 'page' ? { title: 'Untitled page', categories: ['page'] } : { title: 'Untitled' },
      );
      await refreshPosts();
      open(p.id);
      setTimeout(() => {
        const input = document.getElementById('post-title') as HTMLInputElement | null;
        input?.focus();
        input?.select();
      }, 50);
    } catch (e) {
      reportError(e, 'New post');
    }
  };

  return (
    <div className="app" data-view={view} data-section={section}>
      <header className="mobile-bar">
        {view === 'work' && section !== 'media' ? (
          <button type="button" className="btn" onClick={() => setView('list')}>
            ← {section === 'scripts' ? 'Scripts' : section === 'templates' ? 'Templates' : 'Posts'}
          </button>
        ) : (
          <strong>bds</strong>
        )}
        {view === 'work' && section === 'posts' ? (
          <span className="title">{title}</span>
        ) : (
          <span className="title">
            <label className="visually-hidden" htmlFor="mobile-section">
              Section
            </label>
            <select
              id="mobile-section"
              value={section}
              onChange={(e) => showSection(e.target.value as Section)}
            >
              <option value="posts">Posts</option>
              <option value="media">Media</option>
              <option value="scripts">Scripts</option>
              <option value="templates">Templates</option>
              <option value="publish">Publish</option>
              <option value="settings">Settings</option>
            </select>
          </span>
        )}
        {section === 'posts' && view === 'work' && postId && (
          <button
            type="button"
            className="btn"
            onClick={() => setNarrowPane((p) => (p === 'editor' ? 'preview' : 'editor'))}
          >
            {narrowPane === 'editor' ? 'Preview' : 'Edit'}
          </button>
        )}
      </header>
      <Nav section={section} onSection={showSection} />
      {section === 'publish' ? (
        <main className="media-area" aria-label="Publish">
          <Suspense fallback={<div className="empty-work">Opening Publish…</div>}>
            <PublishSection />
          </Suspense>
        </main>
      ) : section === 'settings' ? (
        <main className="media-area" aria-label="Settings">
          <Suspense fallback={<div className="empty-work">Opening the settings…</div>}>
            <SettingsSection />
          </Suspense>
        </main>
      ) : section === 'media' ? (
        <main className="media-area" aria-label="Media">
          <Suspense fallback={<div className="empty-work">Opening the media library…</div>}>
            <MediaLibrary
              selectedId={mediaId}
              onSelect={chooseMedia}
              openPost={postId ? { id: postId, title: title ?? 'the open post' } : undefined}
              onOpenPost={open}
            />
          </Suspense>
        </main>
      ) : section === 'scripts' ? (
        <ScriptList selectedId={scriptId} onOpen={openScript} />
      ) : section === 'templates' ? (
        <TemplateList selected={templateName} onOpen={openTemplate} />
      ) : (
        <PostList
          selectedId={postId}
          onOpen={open}
          onNew={() => void newPost()}
          onNewPage={() => void newPost('page')}
          searchRef={searchRef}
        />
      )}
      {section === 'scripts' && (
        <main className="work no-preview" data-pane="editor" aria-label="Script">
          {scriptId ? (
            <Suspense fallback={<div className="editor loading">Opening the editor…</div>}>
              <ScriptEditor key={scriptId} scriptId={scriptId} onDeleted={() => openScript(undefined)} />
            </Suspense>
          ) : (
            <div className="empty-work">
              <h2>Python scripts</h2>
              <p>
                A <strong>macro</strong> turns <code>[[name key="value"]]</code> in a post into HTML; a{' '}
                <strong>transform</strong> rewrites a bookmarked link before it becomes a post; a{' '}
                <strong>utility</strong> runs when you ask, with <code>bds_api</code> to automate the blog.
                Give a new script a title on the left and choose its kind: it starts from a working example.
              </p>
            </div>
          )}
        </main>
      )}
      {section === 'templates' &&
        (templateName ? (
          <Suspense fallback={<main className="work editor loading">Opening the editor…</main>}>
            <TemplateEditor key={templateName} name={templateName} />
          </Suspense>
        ) : (
          <main className="work no-preview" aria-label="Template">
            <div className="empty-work">
              <h2>Templates</h2>
              <p>
                The site's pages come from Liquid templates: <code>post</code> for a post, <code>list</code>{' '}
                for the home page and archives, and the parts they include. Open a theme template on the left
                and choose <strong>Override this template</strong> to make your own copy in{' '}
                <code>templates/</code>; the preview shows your edits on a post or list before you save.
              </p>
            </div>
          </main>
        ))}
      {section === 'posts' && (
        <main
          className={`work ${postId && showPreview ? '' : 'no-preview'}`}
          data-pane={narrowPane}
          aria-label="Post"
        >
          {postId ? (
            <>
              <Suspense fallback={<div className="editor loading">Opening the editor…</div>}>
                <PostEditor
                  key={postId}
                  postId={postId}
                  onDeleted={() => open(undefined)}
                  onDraftChange={(draft) => setLive({ postId, draft })}
                  onScroll={followScroll}
                />
              </Suspense>
              {(showPreview || narrowPane === 'preview') && (
                <PreviewPane postId={postId} draft={live?.postId === postId ? live.draft : undefined} />
              )}
            </>
          ) : (
            <div className="empty-work">
              <h2>{ready ? 'Pick a post, or start a new one' : 'Opening the project…'}</h2>
              <p>
                <kbd>Ctrl</kbd>+<kbd>K</kbd> opens a post or runs a command · <kbd>↑</kbd> <kbd>↓</kbd> and{' '}
                <kbd>Enter</kbd> open one · <kbd>Ctrl</kbd>+<kbd>P</kbd> shows or hides the preview
              </p>
            </div>
          )}
        </main>
      )}
      <Splitter
        className="nav-split"
        variable="--nav-w"
        label="Sections column"
        initial={168}
        min={120}
        max={320}
      />
      <Splitter
        className="list-split"
        variable="--list-w"
        label="List column"
        initial={320}
        min={220}
        max={640}
      />
      <StatusBar />
      <Toasts />
      <CommandPalette
        open={palette}
        commands={commands}
        onOpenPost={open}
        onClose={() => setPalette(false)}
      />
    </div>
  );
}
