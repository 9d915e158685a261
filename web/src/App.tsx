// The app shell: sections, the posts list, the open post with its preview, the status bar; under 900 px
// one column at a time. Keyboard: Ctrl/Cmd-K search posts, Ctrl/Cmd-P preview on or off, Ctrl/Cmd-S save,
// arrows and Enter in the list.
import { useCallback, useEffect, useRef, useState } from 'react';
import { Nav } from './components/Nav.js';
import { PostEditor } from './components/PostEditor.js';
import { PostList } from './components/PostList.js';
import { PreviewPane, type LiveDraft } from './components/PreviewPane.js';
import { StatusBar } from './components/StatusBar.js';
import { Toasts } from './components/Toasts.js';
import { client, refreshPosts, reportError, useStore } from './store.js';

/** The open post lives in the address (`#post/ID`), so reloading the page keeps it open. */
function postFromHash(): string | undefined {
  const m = /^#post\/(.+)$/.exec(location.hash);
  return m ? decodeURIComponent(m[1]!) : undefined;
}

export function App() {
  const [postId, setPostId] = useState<string | undefined>(postFromHash());
  const [showPreview, setShowPreview] = useState(true);
  /** On a narrow window the editor and the preview take turns. */
  const [narrowPane, setNarrowPane] = useState<'editor' | 'preview'>('editor');
  const [view, setView] = useState<'list' | 'work'>(postFromHash() ? 'work' : 'list');
  const searchRef = useRef<HTMLInputElement>(null);
  const [live, setLive] = useState<{ postId: string; draft: LiveDraft }>();
  const ready = useStore((s) => s.ready);
  const title = useStore((s) => s.posts.find((p) => p.id === postId)?.title);

  const open = useCallback((id: string | undefined) => {
    setPostId(id);
    setView(id ? 'work' : 'list');
    history.replaceState(null, '', id ? `#post/${encodeURIComponent(id)}` : '#');
  }, []);

  useEffect(() => {
    const onHash = () => {
      const id = postFromHash();
      setPostId(id);
      setView(id ? 'work' : 'list');
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const mod = e.ctrlKey || e.metaKey;
      if (mod && e.key.toLowerCase() === 'k') {
        e.preventDefault();
        setView('list');
        searchRef.current?.focus();
        searchRef.current?.select();
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

  const newPost = async () => {
    try {
      const p = await client.call('posts.create', { title: 'Untitled' });
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
    <div className="app" data-view={view}>
      <header className="mobile-bar">
        {view === 'work' ? (
          <button type="button" className="btn" onClick={() => setView('list')}>
            ← Posts
          </button>
        ) : (
          <strong>bds</strong>
        )}
        <span className="title">{view === 'work' ? title : 'Posts'}</span>
        {view === 'work' && postId && (
          <button
            type="button"
            className="btn"
            onClick={() => setNarrowPane((p) => (p === 'editor' ? 'preview' : 'editor'))}
          >
            {narrowPane === 'editor' ? 'Preview' : 'Edit'}
          </button>
        )}
      </header>
      <Nav />
      <PostList selectedId={postId} onOpen={open} onNew={() => void newPost()} searchRef={searchRef} />
      <main
        className={`work ${postId && showPreview ? '' : 'no-preview'}`}
        data-pane={narrowPane}
        aria-label="Post"
      >
        {postId ? (
          <>
            <PostEditor
              key={postId}
              postId={postId}
              onDeleted={() => open(undefined)}
              onDraftChange={(draft) => setLive({ postId, draft })}
            />
            {(showPreview || narrowPane === 'preview') && (
              <PreviewPane postId={postId} draft={live?.postId === postId ? live.draft : undefined} />
            )}
          </>
        ) : (
          <div className="empty-work">
            <h2>{ready ? 'Pick a post, or start a new one' : 'Opening the project…'}</h2>
            <p>
              <kbd>Ctrl</kbd>+<kbd>K</kbd> searches your posts · <kbd>↑</kbd> <kbd>↓</kbd> and{' '}
              <kbd>Enter</kbd> open one · <kbd>Ctrl</kbd>+<kbd>P</kbd> shows or hides the preview
            </p>
          </div>
        )}
      </main>
      <StatusBar />
      <Toasts />
    </div>
  );
}
