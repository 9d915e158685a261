// Reviewing a script before trusting it: what changed since the version the user last trusted, as the
// changed lines with a little context (removed lines red, added green; the same diff `bds script diff`
// prints), or, when bds kept no earlier version, a note to read all of it.
import { useEffect, useState } from 'react';
import type { OutputOf } from '../../../src/app/index.js';
import { lineDiff } from '../../../src/core/line-diff.js';
import { client } from '../store.js';

type Diff = OutputOf<'scripts.trustDiff'>;

/** Unchanged lines shown around each change. */
const CONTEXT = 3;

type Row = { op: ' ' | '-' | '+'; text: string } | { op: '…'; text: string };

function changedRows(before: string, after: string): Row[] {
  const lines = lineDiff(before, after);
  const near = lines.map(() => false);
  lines.forEach((l, i) => {
    if (l.op === ' ') return;
    for (let j = Math.max(0, i - CONTEXT); j <= Math.min(lines.length - 1, i + CONTEXT); j++) near[j] = true;
  });
  const rows: Row[] = [];
  lines.forEach((l, i) => {
    if (near[i]) rows.push(l);
    else if (i === 0 || near[i - 1]) rows.push({ op: '…', text: '' });
  });
  return rows;
}

export function TrustReview({ scriptId, hash }: { scriptId: string; hash: string }) {
  const [diff, setDiff] = useState<Diff | null>();

  useEffect(() => {
    client.call('scripts.trustDiff', { ref: scriptId }).then(setDiff, () => setDiff(null));
  }, [scriptId, hash]);

  if (diff === undefined) return null;
  if (!diff?.lastTrusted) {
    return (
      <p className="muted trust-note">
        bds has no version of this script that you trusted before: read all of it below before you trust it.
      </p>
    );
  }
  if (diff.lastTrusted === diff.current) {
    return <p className="muted trust-note">Nothing changed since you last trusted it.</p>;
  }
  const rows = changedRows(diff.lastTrusted, diff.current);
  return (
    <details className="trust-diff" open>
      <summary>Changes since you last trusted it</summary>
      <pre className="trust-diff-view" aria-label="Changes since you last trusted this script">
        {rows.map((r, i) =>
          r.op === '-' ? (
            <del key={i}>- {r.text}</del>
          ) : r.op === '+' ? (
            <ins key={i}>+ {r.text}</ins>
          ) : r.op === '…' ? (
            <span key={i} className="muted">
              ⋯
            </span>
          ) : (
            <span key={i}>
              {'  '}
              {r.text}
            </span>
          ),
        )}
      </pre>
    </details>
  );
}
