// The bds_api reference beside the script editor: every method with its arguments and result, from
// the same source as docs/python-api.md; a macro may call only the ones marked read-only.
import { useEffect, useMemo, useState } from 'react';
import type { OutputOf } from '../../../src/app/index.js';
import { client, reportError } from '../store.js';

type Entry = OutputOf<'scripts.apiReference'>[number];

export function ApiReference({
  kind,
  onClose,
}: {
  kind: 'macro' | 'transform' | 'utility';
  onClose(): void;
}) {
  const [entries, setEntries] = useState<Entry[]>();
  const [query, setQuery] = useState('');
  useEffect(() => {
    client
      .call('scripts.apiReference', {})
      .then(setEntries, (e: unknown) => reportError(e, 'Reading the API reference'));
  }, []);
  const shown = useMemo(() => {
    const q = query.trim().toLowerCase();
    return (entries ?? []).filter(
      (m) => !q || `${m.namespace}.${m.name} ${m.alias ?? ''} ${m.description}`.toLowerCase().includes(q),
    );
  }, [entries, query]);
  const namespaces = [...new Set(shown.map((m) => m.namespace))];
  return (
    <aside className="api-reference" aria-label="bds_api reference">
      <div className="media-details-head">
        <h2>bds_api</h2>
        <button type="button" className="btn" onClick={onClose} aria-label="Close the reference">
          ✕
        </button>
      </div>
      <p className="muted">
        <code>import bds_api</code>, then <code>bds_api.posts.list()</code>.{' '}
        {kind === 'macro'
          ? 'A macro may call only the methods marked ✓ (rendering never changes the blog).'
          : '✓ marks the methods that only read.'}
      </p>
      <label className="visually-hidden" htmlFor="api-search">
        Search the API
      </label>
      <input
        id="api-search"
        className="search"
        type="search"
        placeholder="Search methods…"
        value={query}
        onChange={(e) => setQuery(e.target.value)}
      />
      {entries === undefined && <p className="muted">Reading…</p>}
      {namespaces.map((ns) => (
        <section key={ns} aria-label={ns}>
          <h3>{ns}</h3>
          <ul>
            {shown
              .filter((m) => m.namespace === ns)
              .map((m) => (
                <li key={m.name} className={kind === 'macro' && !m.readOnly ? 'unavailable' : ''}>
                  <code>
                    {m.readOnly ? '✓ ' : ''}
                    {m.name}({m.params.map((p) => `${p.name}${p.required ? '' : '=None'}`).join(', ')}) →{' '}
                    {m.returns}
                  </code>
                  <span className="muted">{m.description}</span>
                </li>
              ))}
          </ul>
        </section>
      ))}
    </aside>
  );
}
