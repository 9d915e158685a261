// The project switcher: the projects bds knows, and a folder to open or create. Each project has its
// own bds server; switching signs this tab in to that project's server (started when needed).
import { useRef, useState } from 'react';
import { useModal } from './use-modal.js';
import type { OutputOf } from '../../../src/app/index.js';
import { ApiError } from '../../../src/client/index.js';
import { client, reportError, useStore } from '../store.js';

type Known = OutputOf<'projects.list'>;

export interface ProjectSwitcherProps {
  open: boolean;
  onClose(): void;
}

/** Asks the server for the other project's app address and goes there. */
export async function switchProject(dir: string): Promise<void> {
  const res = await fetch('/api/projects/open', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ dir }),
    credentials: 'same-origin',
  });
  const body = (await res.json()) as {
    loginUrl?: string;
    current?: boolean;
    code?: string;
    message?: string;
    hint?: string;
  };
  if (!res.ok || !body.loginUrl) {
    throw new ApiError(res.status, {
      code: body.code ?? 'internal',
      message: body.message ?? `The server answered ${res.status}`,
      ...(body.hint ? { hint: body.hint } : {}),
    });
  }
  if (!body.current) location.assign(body.loginUrl);
}

export function ProjectSwitcher({ open, onClose }: ProjectSwitcherProps) {
  const current = useStore((s) => s.project?.path);
  const [known, setKnown] = useState<Known>();
  const [dir, setDir] = useState('');
  const [busy, setBusy] = useState<string>();
  const [error, setError] = useState<string>();
  const ref = useRef<HTMLDialogElement>(null);

  useModal(ref, open, () => {
    setError(undefined);
    client.call('projects.list', {}).then(setKnown, (e: unknown) => reportError(e, 'Reading the projects'));
  });

  const go = async (path: string, create = false) => {
    setBusy(path);
    setError(undefined);
    try {
      if (create) await client.call('projects.create', { dir: path });
      await switchProject(path);
      onClose();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(undefined);
    }
  };

  return (
    <dialog
      ref={ref}
      className="switcher"
      aria-label="Switch project"
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      <h2>Projects</h2>
      <ul className="switcher-list">
        {(known?.projects ?? []).map((p) => (
          <li key={p.id}>
            <button
              type="button"
              className="btn"
              aria-current={p.path === current ? 'true' : undefined}
              disabled={busy !== undefined}
              onClick={() => (p.path === current ? onClose() : void go(p.path))}
            >
              <strong>{p.name}</strong>
              <span className="muted">{p.path}</span>
              {p.path === current && <span className="muted">open here</span>}
              {busy === p.path && <span className="muted">starting…</span>}
            </button>
          </li>
        ))}
        {known && known.projects.length === 0 && <li className="muted">No other project yet.</li>}
      </ul>
      <form
        className="switcher-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (dir.trim()) void go(dir.trim());
        }}
      >
        <label htmlFor="switcher-dir">Project folder</label>
        <input
          id="switcher-dir"
          value={dir}
          placeholder="/home/me/blog"
          onChange={(e) => setDir(e.target.value)}
          spellCheck={false}
        />
        <button type="submit" className="btn primary" disabled={!dir.trim() || busy !== undefined}>
          Open
        </button>
        <button
          type="button"
          className="btn"
          disabled={!dir.trim() || busy !== undefined}
          onClick={() => void go(dir.trim(), true)}
        >
          Create
        </button>
      </form>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      <div className="actions">
        <button type="button" className="btn" onClick={onClose}>
          Close
        </button>
      </div>
    </dialog>
  );
}
