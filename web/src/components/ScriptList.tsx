// The scripts by kind (macros, transforms, utilities) with their state: enabled or not, untrusted,
// problems in the file. A new script starts from the starter of its kind. Arrows and Enter open one.
import { useEffect, useMemo, useRef, useState } from 'react';
import { client, refreshScripts, reportError, useStore, type ScriptSummary } from '../store.js';

export interface ScriptListProps {
  selectedId?: string;
  onOpen(id: string): void;
}

type Kind = ScriptSummary['kind'];
const KINDS: { kind: Kind; label: string; about: string }[] = [
  { kind: 'macro', label: 'Macros', about: '[[name ...]] in a post becomes HTML' },
  { kind: 'transform', label: 'Transforms', about: 'rewrite a bookmarked link before it becomes a post' },
  { kind: 'utility', label: 'Utilities', about: 'run by hand to automate the blog' },
];

export function ScriptList({ selectedId, onOpen }: ScriptListProps) {
  const scripts = useStore((s) => s.scripts);
  const [cursor, setCursor] = useState(0);
  const [kind, setKind] = useState<Kind>('macro');
  const [title, setTitle] = useState('');
  const list = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!scripts) void refreshScripts();
  }, [scripts]);

  const rows = useMemo(
    () =>
      KINDS.flatMap((k) =>
        (scripts ?? [])
          .filter((s) => s.kind === k.kind)
          .sort((a, b) => a.order - b.order || a.slug.localeCompare(b.slug)),
      ),
    [scripts],
  );

  useEffect(() => {
    const i = rows.findIndex((s) => s.id === selectedId);
    if (i >= 0) setCursor(i);
  }, [rows, selectedId]);

  const create = async () => {
    const name = title.trim() || `New ${kind}`;
    try {
      const s = await client.call('scripts.create', { title: name, kind });
      setTitle('');
      await refreshScripts();
      onOpen(s.id);
    } catch (e) {
      reportError(e, 'New script');
    }
  };

  return (
    <section className="list-pane" aria-label="Scripts">
      <form
        className="list-tools"
        onSubmit={(e) => {
          e.preventDefault();
          void create();
        }}
      >
        <div className="row">
          <label className="visually-hidden" htmlFor="new-script-title">
            New script title
          </label>
          <input
            id="new-script-title"
            className="search"
            placeholder="Title of a new script"
            value={title}
            onChange={(e) => setTitle(e.target.value)}
          />
          <label className="visually-hidden" htmlFor="new-script-kind">
            Kind of the new script
          </label>
          <select id="new-script-kind" value={kind} onChange={(e) => setKind(e.target.value as Kind)}>
            {KINDS.map((k) => (
              <option key={k.kind} value={k.kind}>
                {k.kind}
              </option>
            ))}
          </select>
          <button type="submit" className="btn primary">
            + New
          </button>
        </div>
      </form>
      <div
        ref={list}
        className="post-list script-list"
        role="listbox"
        aria-label="Scripts"
        tabIndex={0}
        aria-activedescendant={rows[cursor] ? `script-${rows[cursor]!.id}` : undefined}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown') setCursor((c) => Math.min(rows.length - 1, c + 1));
          else if (e.key === 'ArrowUp') setCursor((c) => Math.max(0, c - 1));
          else if (e.key === 'Home') setCursor(0);
          else if (e.key === 'End') setCursor(rows.length - 1);
          else if (e.key === 'Enter' && rows[cursor]) onOpen(rows[cursor]!.id);
          else return;
          e.preventDefault();
        }}
      >
        {KINDS.map((k) => {
          const mine = rows.filter((s) => s.kind === k.kind);
          return (
            <div key={k.kind} role="group" aria-label={k.label}>
              <div className="script-group" title={k.about}>
                {k.label} <span className="muted">{mine.length}</span>
              </div>
              {mine.length === 0 && (
                <div className="script-empty muted">
                  No {k.kind} yet: {k.about}.
                </div>
              )}
              {mine.map((s) => {
                const i = rows.indexOf(s);
                return (
                  <div
                    key={s.id}
                    id={`script-${s.id}`}
                    role="option"
                    aria-selected={s.id === selectedId}
                    className={`post-row ${i === cursor ? 'cursor' : ''}`}
                    onClick={() => {
                      setCursor(i);
                      onOpen(s.id);
                    }}
                  >
                    <span
                      className={`dot ${s.enabled ? 'published' : 'archived'}`}
                      title={s.enabled ? 'enabled' : 'disabled'}
                      aria-label={s.enabled ? 'enabled' : 'disabled'}
                    />
                    <span className="title">{s.title}</span>
                    {!s.trusted && (
                      <span
                        className="badge warn"
                        title="Came from outside bds: it does not run until you trust it"
                      >
                        untrusted
                      </span>
                    )}
                    {s.notices.length > 0 && (
                      <span className="badge warn" title={s.notices.map((n) => n.message).join('\n')}>
                        ⚠
                      </span>
                    )}
                    <span className="date">{s.slug}</span>
                  </div>
                );
              })}
            </div>
          );
        })}
        {scripts === undefined && <div className="list-empty">Reading the scripts…</div>}
      </div>
    </section>
  );
}
