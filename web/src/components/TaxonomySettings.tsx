// Settings → Tags and categories: each tag with its posts, its colour, Rename and Merge into another tag
// (all or nothing over every post; files with problems are left as they are and named); each category
// with its title and whether lists show it. Everything goes through the same use cases as `bds tag`.
import { useEffect, useState } from 'react';
import type { OutputOf } from '../../../src/app/index.js';
import { client, notify, refreshTags, reportError, useStore } from '../store.js';

type Category = OutputOf<'categories.list'>[number];
type Rewrite = OutputOf<'tags.rename'>;

function rewriteMessage(what: string, r: Rewrite): string {
  const skipped = r.skipped
    ? `; ${r.skipped} file${r.skipped === 1 ? '' : 's'} left unchanged because of a problem: ${r.skippedFiles.map((p) => p.file).join(', ')}`
    : '';
  return `${what}: ${r.rewritten} post file${r.rewritten === 1 ? '' : 's'} rewritten${skipped}.`;
}

export function TaxonomySettings() {
  const tags = useStore((s) => s.tags);
  const [categories, setCategories] = useState<Category[]>();
  const [editing, setEditing] = useState<{ tag: string; mode: 'rename' | 'merge'; value: string }>();
  const [busy, setBusy] = useState(false);

  const loadCategories = () =>
    client
      .call('categories.list', {})
      .then(setCategories, (e: unknown) => reportError(e, 'Reading the categories'));
  useEffect(() => {
    void loadCategories();
  }, []);

  const apply = async () => {
    if (!editing || !editing.value.trim()) return;
    setBusy(true);
    try {
      const target = editing.value.trim();
      const r =
        editing.mode === 'rename'
          ? await client.call('tags.rename', { name: editing.tag, newName: target })
          : await client.call('tags.merge', { sources: [editing.tag], target });
      notify(rewriteMessage(`${editing.tag} → ${target}`, r));
      setEditing(undefined);
      await refreshTags();
    } catch (e) {
      reportError(e, editing.mode === 'rename' ? 'Renaming the tag' : 'Merging the tag');
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <section aria-labelledby="settings-tags">
        <h2 id="settings-tags">Tags</h2>
        <p className="muted">
          A rename or merge rewrites every post that has the tag, all or nothing (meta/tags.json keeps the
          colours).
        </p>
        {tags.length === 0 ? (
          <p className="muted">No tags yet.</p>
        ) : (
          <ul className="taxonomy-list" aria-label="Tags">
            {tags.map((t) => (
              <li key={t.name}>
                <input
                  type="color"
                  aria-label={`Colour of ${t.name}`}
                  value={t.color ?? '#888888'}
                  onChange={(e) => {
                    const color = e.target.value;
                    void client.call('tags.setColor', { name: t.name, color }).then(
                      () => refreshTags(),
                      (err: unknown) => reportError(err, 'Setting the colour'),
                    );
                  }}
                />
                <span className="taxonomy-name">{t.name}</span>
                <span className="muted">
                  {t.count} post{t.count === 1 ? '' : 's'}
                </span>
                {editing?.tag === t.name ? (
                  <form
                    className="taxonomy-edit"
                    onSubmit={(e) => {
                      e.preventDefault();
                      void apply();
                    }}
                  >
                    <input
                      aria-label={
                        editing.mode === 'rename' ? `New name for ${t.name}` : `Merge ${t.name} into`
                      }
                      list={editing.mode === 'merge' ? 'taxonomy-tags' : undefined}
                      value={editing.value}
                      autoFocus
                      onChange={(e) => setEditing({ ...editing, value: e.target.value })}
                    />
                    <button type="submit" className="btn primary" disabled={busy}>
                      {editing.mode === 'rename' ? 'Rename' : 'Merge'}
                    </button>
                    <button type="button" className="btn" onClick={() => setEditing(undefined)}>
                      Cancel
                    </button>
                  </form>
                ) : (
                  <span className="taxonomy-actions">
                    <button
                      type="button"
                      className="btn"
                      onClick={() => setEditing({ tag: t.name, mode: 'rename', value: t.name })}
                    >
                      Rename…
                    </button>
                    <button
                      type="button"
                      className="btn"
                      onClick={() => setEditing({ tag: t.name, mode: 'merge', value: '' })}
                    >
                      Merge into…
                    </button>
                  </span>
                )}
              </li>
            ))}
          </ul>
        )}
        <datalist id="taxonomy-tags">
          {tags.map((t) => (
            <option key={t.name} value={t.name} />
          ))}
        </datalist>
      </section>
      <section aria-labelledby="settings-categories">
        <h2 id="settings-categories">Categories</h2>
        <ul className="taxonomy-list" aria-label="Categories">
          {(categories ?? []).map((c) => (
            <li key={c.name}>
              <span className="taxonomy-name">{c.name}</span>
              <input
                aria-label={`Title of ${c.name}`}
                defaultValue={c.title}
                onBlur={(e) => {
                  const title = e.target.value.trim();
                  if (title && title !== c.title) {
                    void client.call('categories.set', { name: c.name, title }).then(
                      () => loadCategories(),
                      (err: unknown) => reportError(err, 'Saving the category'),
                    );
                  }
                }}
              />
              <label className="muted">
                <input
                  type="checkbox"
                  checked={c.renderInLists}
                  onChange={(e) =>
                    void client
                      .call('categories.set', { name: c.name, renderInLists: e.target.checked })
                      .then(
                        () => loadCategories(),
                        (err: unknown) => reportError(err, 'Saving the category'),
                      )
                  }
                />{' '}
                in lists
              </label>
              <span className="muted">
                {c.count} post{c.count === 1 ? '' : 's'}
              </span>
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}
