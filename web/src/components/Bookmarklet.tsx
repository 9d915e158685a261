// Settings → Project: the blogmark bookmarklet for this app's address, to drag to the bookmarks bar or
// copy. It holds no key: it opens this app's confirm page, and nothing is saved until Save there.
import { useEffect, useRef, useState } from 'react';
import { client, notify, reportError, useStore } from '../store.js';

export function Bookmarklet() {
  const project = useStore((s) => s.project?.project);
  const [code, setCode] = useState('');
  const link = useRef<HTMLAnchorElement>(null);

  useEffect(() => {
    client.call('blogmarks.bookmarklet', { origin: location.origin }).then(
      (r) => setCode(r.bookmarklet),
      (e: unknown) => reportError(e, 'Making the bookmarklet'),
    );
  }, []);

  // React refuses javascript: addresses in href (rightly, for addresses it did not make); this one is
  // the app's own, set on the element. Clicking it here does nothing: the app's policy runs no inline code.
  useEffect(() => {
    if (code) link.current?.setAttribute('href', code);
  }, [code]);

  const copy = () => {
    navigator.clipboard.writeText(code).then(
      () => notify('Bookmarklet copied: paste it as the address of a new bookmark.'),
      (e: unknown) => reportError(e, 'Copying the bookmarklet'),
    );
  };

  return (
    <div className="setting">
      <label htmlFor="bookmarklet-code">bookmarklet</label>
      <input
        id="bookmarklet-code"
        readOnly
        value={code}
        spellCheck={false}
        onFocus={(e) => e.target.select()}
      />
      <p className="muted setting-about">
        <a ref={link} className="btn" draggable onClick={(e) => e.preventDefault()}>
          Blogmark to {project ?? 'bds'}
        </a>{' '}
        <button type="button" className="btn" disabled={!code} onClick={copy}>
          Copy
        </button>{' '}
        Drag the first button to your bookmarks bar. On any page it opens a small window here to save the page
        as a draft, after your transform scripts ran; nothing is saved until you press Save. It works while{' '}
        <code>bds serve</code> runs on this address, in this browser.
      </p>
    </div>
  );
}
