// Reviewing a script before trusting it: what changed since the version the user last trusted (removed
// lines red, added green, read-only), or, when bds kept no earlier version, a note to read all of it.
import { python } from '@codemirror/lang-python';
import { unifiedMergeView } from '@codemirror/merge';
import { EditorState } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import { useEffect, useRef, useState } from 'react';
import type { OutputOf } from '../../../src/app/index.js';
import { client } from '../store.js';
import { editorTheme } from './code-editor.js';

type Diff = OutputOf<'scripts.trustDiff'>;

export function TrustReview({ scriptId, hash }: { scriptId: string; hash: string }) {
  const [diff, setDiff] = useState<Diff | null>();
  const host = useRef<HTMLDivElement>(null);

  useEffect(() => {
    client.call('scripts.trustDiff', { ref: scriptId }).then(setDiff, () => setDiff(null));
  }, [scriptId, hash]);

  useEffect(() => {
    if (!diff?.lastTrusted || !host.current) return;
    const view = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: diff.current,
        extensions: [
          EditorState.readOnly.of(true),
          EditorView.editable.of(false),
          EditorView.contentAttributes.of({ 'aria-label': 'Changes since you last trusted this script' }),
          python(),
          editorTheme,
          unifiedMergeView({
            original: diff.lastTrusted,
            mergeControls: false,
            gutter: true,
            highlightChanges: true,
          }),
        ],
      }),
    });
    return () => view.destroy();
  }, [diff]);

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
  return (
    <details className="trust-diff" open>
      <summary>Changes since you last trusted it</summary>
      <div ref={host} className="cm-host code trust-diff-view" />
    </details>
  );
}
