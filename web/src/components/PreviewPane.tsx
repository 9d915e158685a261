// The post as the site will show it, on the preview origin in a frame (posts hold raw HTML and macros
// return HTML: they never run in the app's origin). The preview reloads itself when the saved post
// changes; drafts and pending edits are shown through the preview's draft address.
import { useStore } from '../store.js';

export function PreviewPane({ postId }: { postId: string }) {
  const previewUrl = useStore((s) => s.previewUrl);
  if (!previewUrl) return <section className="preview-pane" aria-label="Preview" />;
  const src = new URL(`_draft/${encodeURIComponent(postId)}/`, previewUrl).href;
  return (
    <section className="preview-pane" aria-label="Preview">
      <div className="preview-head">
        <span>Preview, as saved</span>
        <span className="grow" style={{ flex: 1 }} />
        <a href={src} target="_blank" rel="noreferrer">
          Open in a tab
        </a>
      </div>
      {/* A new frame per post: navigating the old one could lose to its own live reload. */}
      <iframe key={src} title="Preview of the post" src={src} />
    </section>
  );
}
