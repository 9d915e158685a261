// One script: its settings (title, kind, entrypoint from the functions Python finds, order, enabled),
// the code with Python's own syntax errors underlined a moment after typing stops, Save (Ctrl/Cmd-S;
// it warns about errors but refuses nothing), trust, rename, delete, and a run panel (RunPanel.tsx).
// Checks use the browser's Python once it has loaded, the server's until then.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { OutputOf } from '../../../src/app/index.js';
import { client, notify, refreshScripts, reportError, useStore } from '../store.js';
import { ConfirmDialog } from './ConfirmDialog.js';
import { DiskConflict } from './DiskConflict.js';
import { ApiReference } from './ApiReference.js';
import type { CodeProblem } from './code-editor.js';
import { PythonEditor } from './PythonEditor.js';
import { RunPanel } from './RunPanel.js';
import { TrustReview } from './TrustReview.js';
import { useDebouncedCheck, useWarnBeforeUnload } from './use-editor-check.js';
import type { ScriptCheck } from '../../../src/core/abi.js';
import { entrypointWarnings } from '../../../src/scripting/scripts/entrypoint.js';
import { browserPython } from '../python/client.js';

type Script = OutputOf<'scripts.get'>;
type Check = OutputOf<'scripts.check'>;
type Kind = Script['kind'];

interface Draft {
  title: string;
  kind: Kind;
  entrypoint: string;
  order: number;
  code: string;
}

const draftOf = (s: Script): Draft => ({
  title: s.title,
  kind: s.kind,
  entrypoint: s.entrypoint,
  order: s.order,
  code: s.code,
});

const CALLED_AS: Record<Kind, string> = {
  macro: 'render(context, post) → HTML',
  transform: 'transform(post, context) → the post',
  utility: 'main(context) → a JSON value',
};

export interface ScriptEditorProps {
  scriptId: string;
  onDeleted(): void;
}

export function ScriptEditor({ scriptId, onDeleted }: ScriptEditorProps) {
  const version = useStore((s) => s.scriptsVersion);
  const [script, setScript] = useState<Script>();
  const [draft, setDraft] = useState<Draft>();
  const [check, setCheck] = useState<Check>();
  const [saving, setSaving] = useState(false);
  const [confirm, setConfirm] = useState<'delete'>();
  const [renaming, setRenaming] = useState<string>();
  const [onDisk, setOnDisk] = useState<Script>();
  const [reference, setReference] = useState(false);
  const saved = useRef<Draft | undefined>(undefined);
  const dirty = Boolean(draft && saved.current && JSON.stringify(draft) !== JSON.stringify(saved.current));

  const load = useCallback(async () => {
    try {
      const s = await client.call('scripts.get', { ref: scriptId });
      setScript(s);
      const d = draftOf(s);
      if (!saved.current || !dirtyRef.current) {
        setDraft(d);
        saved.current = d;
        setOnDisk(undefined);
      } else if (JSON.stringify(d) !== JSON.stringify(saved.current)) {
        setOnDisk(s); // Changed on disk under unsaved edits: both are offered.
      }
    } catch (e) {
      reportError(e, 'Opening the script');
    }
  }, [scriptId]);
  const dirtyRef = useRef(dirty);
  dirtyRef.current = dirty;

  useEffect(() => {
    void load();
  }, [load, version]);

  // Python's parser over the text as typed (nothing is saved or run): in the browser's Python once it
  // has loaded, on the server's until then.
  const codeLine = script?.codeLine;
  const scriptPath = script?.path;
  useDebouncedCheck(
    !draft || codeLine === undefined || scriptPath === undefined
      ? undefined
      : (signal): Promise<Check> => {
          if (!browserPython.ready) {
            return client.call(
              'scripts.check',
              { ref: scriptId, code: draft.code, kind: draft.kind, entrypoint: draft.entrypoint },
              { signal },
            );
          }
          const r = browserPython.request<ScriptCheck>({
            op: 'check',
            source: draft.code,
            filename: scriptPath,
            lineOffset: codeLine - 1,
          });
          signal.addEventListener('abort', () => browserPython.stop(r.id));
          return r.result.then((c): Check => ({
            ...c,
            path: scriptPath,
            slug: script?.slug ?? '',
            warnings: entrypointWarnings(c, {
              kind: draft.kind,
              entrypoint: draft.entrypoint,
              path: scriptPath,
            }),
          }));
        },
    setCheck,
    'Checking the script',
    [scriptId, draft?.code, draft?.kind, draft?.entrypoint, codeLine, scriptPath],
  );
  useWarnBeforeUnload(dirty);

  const save = async () => {
    if (!draft || !script || saving) return;
    setSaving(true);
    try {
      const s = await client.call('scripts.update', {
        ref: script.id,
        title: draft.title,
        kind: draft.kind,
        entrypoint: draft.entrypoint,
        order: draft.order,
        code: draft.code,
      });
      saved.current = draft;
      setScript(s);
      setOnDisk(undefined);
      const errors = check?.errors.length ?? 0;
      notify(
        errors
          ? `Saved, with ${errors} syntax error${errors === 1 ? '' : 's'}: it fails until fixed.`
          : 'Saved.',
      );
      void refreshScripts();
    } catch (e) {
      reportError(e, 'Saving the script');
    } finally {
      setSaving(false);
    }
  };

  const act = async (what: () => Promise<unknown>, done: string, context: string) => {
    try {
      await what();
      notify(done);
      await load();
      void refreshScripts();
    } catch (e) {
      reportError(e, context);
    }
  };

  if (!script || !draft) return <section className="editor-pane" aria-label="Script" />;

  const lineShift = script.codeLine - 1;
  const problems: CodeProblem[] = [
    ...(check?.errors ?? []).map((e) => ({
      line: e.line - lineShift,
      column: e.column,
      ...(e.endLine ? { endLine: e.endLine - lineShift } : {}),
      ...(e.endColumn ? { endColumn: e.endColumn } : {}),
      message: e.message,
      severity: 'error' as const,
    })),
    ...(check?.warnings ?? []).flatMap((w) => {
      const m = /:(\d+): (.*)$/.exec(w);
      return m
        ? [{ line: Number(m[1]) - lineShift, column: 1, message: m[2]!, severity: 'warning' as const }]
        : [];
    }),
  ];
  const functions = check?.functions ?? [];

  return (
    <div className={`script-work ${reference ? 'with-reference' : ''}`}>
      <section className="editor-pane script-editor" aria-label="Script">
        <div className="editor-title">
          <label className="visually-hidden" htmlFor="script-title">
            Title
          </label>
          <input
            id="script-title"
            className="title-input"
            value={draft.title}
            onChange={(e) => setDraft({ ...draft, title: e.target.value })}
          />
        </div>
        <div className="editor-head" role="toolbar" aria-label="Script actions">
          <span className={`dot ${script.enabled ? 'published' : 'archived'}`} aria-hidden="true" />
          <span className="status-word">{script.enabled ? 'enabled' : 'disabled'}</span>
          <span className="save-state" role="status">
            {saving ? 'Saving…' : dirty ? 'Edited' : 'Saved'}
          </span>
          <button
            type="button"
            className="btn primary"
            onClick={() => void save()}
            disabled={!dirty || saving}
          >
            Save
          </button>
          <button
            type="button"
            className="btn"
            onClick={() =>
              void act(
                () => client.call('scripts.setEnabled', { ref: script.id, enabled: !script.enabled }),
                script.enabled ? 'Disabled.' : 'Enabled.',
                'Enabling',
              )
            }
          >
            {script.enabled ? 'Disable' : 'Enable'}
          </button>
          <button type="button" className="btn" onClick={() => setRenaming(script.slug)}>
            Rename…
          </button>
          <button
            type="button"
            className="btn"
            aria-pressed={reference}
            onClick={() => setReference((r) => !r)}
            title="What bds_api offers"
          >
            API
          </button>
          <button type="button" className="btn danger" onClick={() => setConfirm('delete')}>
            Delete
          </button>
        </div>
        {!script.trusted && (
          <div className="conflict" role="alert">
            <p>
              <strong>Not trusted.</strong> This script came from outside bds (a pull, or an edit in another
              program) and does not run on the server until you trust it. Read it first: it can do anything
              bds can. You can try it in the browser's sandbox below, without bds_api.
            </p>
            <TrustReview scriptId={script.id} hash={script.hash} />
            <div className="actions">
              <button
                type="button"
                className="btn primary"
                onClick={() =>
                  void act(
                    () => client.call('scripts.trust', { ref: script.id }),
                    'Trusted: it runs now.',
                    'Trusting',
                  )
                }
              >
                Trust this version
              </button>
            </div>
          </div>
        )}
        {onDisk && (
          <DiskConflict
            what="script"
            diskText={onDisk.code}
            onKeepMine={() => {
              setOnDisk(undefined);
              void save();
            }}
            onTakeDisk={() => {
              const d = draftOf(onDisk);
              setScript(onDisk);
              setDraft(d);
              saved.current = d;
              setOnDisk(undefined);
            }}
          />
        )}
        {renaming !== undefined && (
          <form
            className="rename-row"
            onSubmit={(e) => {
              e.preventDefault();
              void (async () => {
                try {
                  const r = await client.call('scripts.rename', { ref: script.id, newSlug: renaming });
                  setRenaming(undefined);
                  notify(
                    r.stillUsedBy.length
                      ? `Renamed to ${r.script.slug}. Still using the old name: ${r.stillUsedBy.join(', ')}.`
                      : `Renamed to ${r.script.slug}.`,
                  );
                  await load();
                  void refreshScripts();
                } catch (e) {
                  reportError(e, 'Renaming');
                }
              })();
            }}
          >
            <label htmlFor="script-new-slug">New macro name</label>
            <input
              id="script-new-slug"
              value={renaming}
              onChange={(e) => setRenaming(e.target.value)}
              autoFocus
            />
            <button type="submit" className="btn primary">
              Rename
            </button>
            <button type="button" className="btn" onClick={() => setRenaming(undefined)}>
              Cancel
            </button>
          </form>
        )}
        <div className="meta-grid script-meta">
          <label htmlFor="script-kind">Kind</label>
          <select
            id="script-kind"
            value={draft.kind}
            onChange={(e) => setDraft({ ...draft, kind: e.target.value as Kind })}
          >
            <option value="macro">macro</option>
            <option value="transform">transform</option>
            <option value="utility">utility</option>
          </select>
          <label htmlFor="script-entrypoint">Entrypoint</label>
          <select
            id="script-entrypoint"
            value={draft.entrypoint}
            onChange={(e) => setDraft({ ...draft, entrypoint: e.target.value })}
          >
            {!functions.some((f) => f.name === draft.entrypoint) && (
              <option value={draft.entrypoint}>{draft.entrypoint} (not defined)</option>
            )}
            {functions.map((f) => (
              <option key={f.name} value={f.name}>
                {f.name}({f.params.join(', ')})
              </option>
            ))}
          </select>
          {draft.kind === 'transform' && (
            <>
              <label htmlFor="script-order">Order</label>
              <input
                id="script-order"
                type="number"
                value={draft.order}
                onChange={(e) => setDraft({ ...draft, order: Number(e.target.value) || 0 })}
              />
            </>
          )}
          <span className="muted script-called">
            {draft.kind === 'macro' ? `[[${script.slug} …]] in a post calls ` : 'Called as '}
            {CALLED_AS[draft.kind]}
          </span>
        </div>
        <PythonEditor
          label="Script code (Python)"
          value={draft.code}
          onChange={(code) => setDraft((d) => (d ? { ...d, code } : d))}
          onSave={() => void save()}
          problems={problems}
        />
        <div className="script-problems" aria-label="Problems in the script" aria-live="polite">
          {check === undefined ? (
            <span className="muted">Checking…</span>
          ) : problems.length === 0 && check.warnings.length === 0 ? (
            <span className="ok">No problems</span>
          ) : (
            <ul>
              {problems.map((p, i) => (
                <li key={i} className={p.severity}>
                  Line {p.line}
                  {p.severity === 'error' ? `:${p.column}` : ''}: {p.message}
                </li>
              ))}
              {check.warnings
                .filter((w) => !/:(\d+): /.test(w))
                .map((w) => (
                  <li key={w} className="warning">
                    {w.replace(`${script.path}: `, '')}
                  </li>
                ))}
            </ul>
          )}
        </div>
        <RunPanel script={script} dirty={dirty} />
        <ConfirmDialog
          open={confirm === 'delete'}
          title={`Delete “${script.title}”?`}
          message={`scripts/${script.slug}.py is removed from the project${script.kind === 'macro' ? `; posts that use [[${script.slug}]] show it as unknown` : ''}. With git you can still get it back from history.`}
          confirmLabel="Delete"
          onCancel={() => setConfirm(undefined)}
          onConfirm={() => {
            setConfirm(undefined);
            void (async () => {
              try {
                await client.call('scripts.delete', { ref: script.id });
                notify(`${script.title} deleted.`);
                void refreshScripts();
                onDeleted();
              } catch (e) {
                reportError(e, 'Deleting');
              }
            })();
          }}
        />
      </section>
      {reference && <ApiReference kind={draft.kind} onClose={() => setReference(false)} />}
    </div>
  );
}
