// The files bds could not read, each with its place and what went wrong (from the status bar); a click
// opens the file where bds edits it. A post file that cannot be read is left as it is on disk: fix it
// in any editor and it comes back.
import { useRef } from 'react';
import { openFileAt } from '../goto.js';
import { useModal } from './use-modal.js';
import { useStore } from '../store.js';

export interface ProblemsPanelProps {
  open: boolean;
  onClose(): void;
}

export function ProblemsPanel({ open, onClose }: ProblemsPanelProps) {
  const problems = useStore((s) => s.problems);
  const ref = useRef<HTMLDialogElement>(null);
  useModal(ref, open);
  return (
    <dialog
      ref={ref}
      className="problems"
      aria-label="Problems"
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      <h2>
        {problems.length === 0
          ? 'No problems'
          : `${problems.length} file${problems.length === 1 ? '' : 's'} bds could not read`}
      </h2>
      <ul>
        {problems.map((p) => (
          <li key={`${p.file}:${p.code}:${p.line ?? ''}`}>
            <button
              type="button"
              className="link"
              title="Open it where bds edits it"
              onClick={() => {
                onClose();
                void openFileAt({
                  path: p.file,
                  ...(p.line ? { line: p.line } : {}),
                  ...(p.column ? { column: p.column } : {}),
                });
              }}
            >
              <code>
                {p.file}
                {p.line ? `:${p.line}` : ''}
                {p.column ? `:${p.column}` : ''}
              </code>
            </button>
            <span>{p.message}</span>
          </li>
        ))}
      </ul>
      <p className="muted">Fix the file in any editor: bds reads it again as soon as it is saved.</p>
      <div className="actions">
        <button type="button" className="btn" onClick={onClose} autoFocus>
          Close
        </button>
      </div>
    </dialog>
  );
}
