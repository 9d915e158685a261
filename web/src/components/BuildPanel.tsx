// Build and tasks: Build (Ctrl/Cmd-B) and Strict build with the build's progress, then its summary with
// every macro failure and warning as a link to the post at its line and column; below, every running and
// recent task (builds, publishes, rebuilds, pulls) with progress, duration, result and Cancel.
import { useEffect, useRef, useState } from 'react';
import type { OutputOf } from '../../../src/app/index.js';
import { openFileAt } from '../goto.js';
import { client, refreshTasks, reportError, useStore, type TaskInfo } from '../store.js';
import { useModal } from './use-modal.js';

type Summary = OutputOf<'site.build'>;

interface Place {
  file?: string;
  line?: number;
  column?: number;
}

interface Finding extends Place {
  kind: 'failure' | 'warning';
  message: string;
}

export interface BuildPanelProps {
  open: boolean;
  onClose(): void;
}

let lastSummary: Summary | undefined;
let lastError: string | undefined;
/** A build asked for here whose answer has not come: its task may not be in the list yet. */
let starting = false;

/** Start a build; the panel shows its progress and, when it ends, its summary. */
export async function runBuild(strict = false): Promise<void> {
  // The last build's summary goes at once: shown while this one starts, it would read as this one's.
  lastError = undefined;
  lastSummary = undefined;
  starting = true;
  window.dispatchEvent(new CustomEvent('bds-build-changed'));
  try {
    lastSummary = await client.call('site.build', strict ? { strict } : {});
  } catch (e) {
    lastSummary = undefined;
    lastError = e instanceof Error ? e.message : String(e);
    if (
      (e as { code?: string }).code !== 'task-cancelled' &&
      (e as { code?: string }).code !== 'site-strict'
    ) {
      reportError(e, 'Building the site');
    }
  }
  starting = false;
  window.dispatchEvent(new CustomEvent('bds-build-changed'));
}

const where = (p: Place) =>
  p.file ? `${p.file}${p.line ? `:${p.line}` : ''}${p.line && p.column ? `:${p.column}` : ''}` : '';

function findings(s: Summary): Finding[] {
  const failures = s.failures.map((f): Finding => ({
    kind: 'failure',
    message: `[[${f.macro}]] ${f.reason}: ${f.message}`,
    file: f.file,
    ...(typeof f.line === 'number' ? { line: f.line } : {}),
    ...(typeof f.column === 'number' ? { column: f.column } : {}),
  }));
  const warnings = s.warnings.map((w): Finding => ({
    kind: 'warning',
    message: w.message,
    ...(typeof w.file === 'string' ? { file: w.file } : {}),
    ...(typeof w.line === 'number' ? { line: w.line } : {}),
    ...(typeof w.column === 'number' ? { column: w.column } : {}),
  }));
  return [...failures, ...warnings];
}

const seconds = (ms: number) => (ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`);

function duration(t: TaskInfo): string {
  if (t.startTime === undefined) return '';
  return seconds((t.endTime ?? Date.now()) - t.startTime);
}

export function BuildPanel({ open, onClose }: BuildPanelProps) {
  const ref = useRef<HTMLDialogElement>(null);
  useModal(ref, open);
  const tasks = useStore((s) => s.tasks);
  const [, setVersion] = useState(0);
  const refresh = () => setVersion((v) => v + 1);
  // The panel shows the last build whether it was started here, by Ctrl/Cmd-B or from the palette.
  useEffect(() => {
    if (open) void refreshTasks();
  }, [open]);
  useEffect(() => {
    window.addEventListener('bds-build-changed', refresh);
    return () => window.removeEventListener('bds-build-changed', refresh);
  }, []);
  const building = tasks.find(
    (t) => t.name === 'Build site' && (t.status === 'running' || t.status === 'pending'),
  );
  const summary = lastSummary;
  const found = summary ? findings(summary) : [];
  const recent = [...tasks].sort((a, b) => (b.createdAt ?? 0) - (a.createdAt ?? 0));

  const go = (f: Finding) => {
    if (!f.file) return;
    onClose();
    void openFileAt({
      path: f.file,
      ...(f.line ? { line: f.line } : {}),
      ...(f.column ? { column: f.column } : {}),
    });
  };

  return (
    <dialog
      ref={ref}
      className="build-panel"
      aria-label="Build and tasks"
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      <h2>Build the site</h2>
      <div className="actions build-actions">
        <button
          type="button"
          className="btn primary"
          disabled={Boolean(building) || starting}
          onClick={() => void runBuild()}
        >
          Build
        </button>
        <button
          type="button"
          className="btn"
          disabled={Boolean(building) || starting}
          title="Fails, and writes nothing, when a macro fails"
          onClick={() => void runBuild(true)}
        >
          Strict build
        </button>
        {building && (
          <button
            type="button"
            className="btn danger"
            onClick={() =>
              void client
                .call('tasks.cancel', { id: building.id })
                .catch((e: unknown) => reportError(e, 'Cancelling'))
            }
          >
            Cancel
          </button>
        )}
      </div>
      {building || starting ? (
        <div className="build-progress" role="status">
          <progress max={100} value={building?.progress ?? 0} aria-label="Build progress" />
          <span>
            {building?.message || 'Starting'} · {Math.round(building?.progress ?? 0)}%
          </span>
        </div>
      ) : summary ? (
        <div className="build-summary" role="status">
          {summary.upToDate ? (
            <p>
              <strong>Up to date</strong>: nothing changed since the last build ({seconds(summary.ms)}) ·{' '}
              {counted(summary.files, 'file')} · {counted(summary.posts, 'post')}
            </p>
          ) : (
            <p>
              <strong>Built</strong> in {seconds(summary.ms)}: {summary.pagesWritten} pages written,{' '}
              {summary.pagesUnchanged} unchanged, {summary.pagesRemoved} removed ·{' '}
              {counted(summary.posts, 'post')}
            </p>
          )}
          <p className="muted">
            Macros: {summary.macroCounters.builtin} built-in, {summary.macroCounters.python} Python,{' '}
            {summary.macroCounters.unknown} unknown, {summary.macroCounters.failed} failed
          </p>
        </div>
      ) : lastError ? (
        <pre className="build-error" role="alert">
          {lastError}
        </pre>
      ) : (
        <p className="muted">Ctrl/Cmd-B builds from anywhere. Only what changed is written.</p>
      )}
      {found.length > 0 && !building && !starting && (
        <ul className="build-findings" aria-label="Macro failures and warnings">
          {found.map((f, i) => (
            <li key={i} className={f.kind}>
              {f.file ? (
                <button type="button" className="link" onClick={() => go(f)}>
                  {where(f)}
                </button>
              ) : null}
              <span>{f.message}</span>
            </li>
          ))}
        </ul>
      )}
      <h3>Tasks</h3>
      {recent.length === 0 ? (
        <p className="muted">No tasks yet: builds, publishing, rebuilds and pulls show here.</p>
      ) : (
        <ul className="task-list" aria-label="Tasks">
          {recent.map((t) => (
            <li key={t.id} className={`task ${t.status}`}>
              <span className="task-name">{t.name}</span>
              <span className="task-state">
                {t.status === 'running' ? `${Math.round(t.progress)}% ${t.message}` : t.status}
                {t.error && t.status === 'failed' ? `: ${t.error}` : ''}
              </span>
              <span className="muted task-time">{duration(t)}</span>
              {(t.status === 'running' || t.status === 'pending') && (
                <button
                  type="button"
                  className="btn"
                  onClick={() =>
                    void client
                      .call('tasks.cancel', { id: t.id })
                      .catch((e: unknown) => reportError(e, 'Cancelling'))
                  }
                >
                  Cancel
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      <div className="actions">
        <button type="button" className="btn" onClick={onClose}>
          Close
        </button>
      </div>
    </dialog>
  );
}

/** `1 post`, `2 posts`. */
function counted(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
