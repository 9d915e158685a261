// One template: the Liquid text with the server's parse errors underlined at their line a moment after
// typing stops, Save (Ctrl/Cmd-S; a template that does not parse is refused, the file stays as it was),
// "Override this template" for a theme template (its text copied to templates/NAME.liquid), going back
// to the theme's, and the preview of a post or list with the text as typed (TemplatePreview.tsx).
import { useCallback, useEffect, useRef, useState } from 'react';
import type { OutputOf } from '../../../src/app/index.js';
import { client, notify, refreshTemplates, reportError, useStore } from '../store.js';
import { ConfirmDialog } from './ConfirmDialog.js';
import { DiskConflict } from './DiskConflict.js';
import { LiquidEditor } from './LiquidEditor.js';
import type { CodeProblem } from './code-editor.js';
import { TemplatePreview } from './TemplatePreview.js';
import { useDebouncedCheck, useWarnBeforeUnload } from './use-editor-check.js';

type Template = OutputOf<'templates.get'>;
type Check = OutputOf<'templates.check'>;

export interface TemplateEditorProps {
  name: string;
}

export function TemplateEditor({ name }: TemplateEditorProps) {
  const version = useStore((s) => s.templatesVersion);
  const [template, setTemplate] = useState<Template>();
  const [text, setText] = useState<string>();
  const [check, setCheck] = useState<Check>();
  const [saving, setSaving] = useState(false);
  const [confirm, setConfirm] = useState(false);
  const [onDisk, setOnDisk] = useState<Template>();
  const [pane, setPane] = useState<'editor' | 'preview'>('editor');
  const saved = useRef<string | undefined>(undefined);
  const dirty = text !== undefined && saved.current !== undefined && text !== saved.current;
  const dirtyRef = useRef(dirty);
  dirtyRef.current = dirty;

  const load = useCallback(async () => {
    try {
      const t = await client.call('templates.get', { name });
      if (saved.current === undefined || !dirtyRef.current) {
        setTemplate(t);
        setText(t.content);
        saved.current = t.content;
        setOnDisk(undefined);
      } else if (t.content !== saved.current) {
        setOnDisk(t); // Changed on disk under unsaved edits: both are offered.
      }
    } catch (e) {
      reportError(e, 'Opening the template');
    }
  }, [name]);

  useEffect(() => {
    void load();
  }, [load, version]);

  // liquidjs's parser on the server over the text as typed (nothing is written).
  useDebouncedCheck(
    text === undefined || template?.source !== 'user'
      ? undefined
      : (signal) => client.call('templates.check', { name, content: text }, { signal }),
    setCheck,
    'Checking the template',
    [name, text, template?.source],
  );
  useWarnBeforeUnload(dirty);

  const write = async (content: string, done: string, context: string) => {
    setSaving(true);
    try {
      await client.call('templates.save', { name, content });
      saved.current = content;
      setOnDisk(undefined);
      notify(done);
      const t = await client.call('templates.get', { name });
      setTemplate(t);
      void refreshTemplates();
    } catch (e) {
      reportError(e, context);
    } finally {
      setSaving(false);
    }
  };

  const save = () => {
    if (text === undefined || template?.source !== 'user' || saving || !dirty) return;
    void write(text, `Saved templates/${name}.liquid.`, 'Saving the template');
  };

  const override = () => {
    if (!template) return;
    void write(
      template.content,
      `templates/${name}.liquid now takes the place of the theme's “${name}”: edit it here.`,
      'Overriding the template',
    );
  };

  if (!template || text === undefined) return <main className="work" aria-label="Template" />;

  const user = template.source === 'user';
  const problems: CodeProblem[] = (check?.errors ?? []).map((e) => ({
    line: e.line,
    column: e.column,
    message: e.message,
    severity: 'error',
  }));

  return (
    <main className="work" data-pane={pane} aria-label="Template">
      <section className="editor-pane template-editor" aria-label="Template editor">
        <div className="editor-title">
          <h2 className="title-input template-title">
            {name} <span className="template-file">{template.file}</span>
          </h2>
        </div>
        <div className="editor-head" role="toolbar" aria-label="Template actions">
          <span className="save-state" role="status">
            {!user ? 'Theme template, read only' : saving ? 'Saving…' : dirty ? 'Edited' : 'Saved'}
          </span>
          {user ? (
            <>
              <button type="button" className="btn primary" onClick={save} disabled={!dirty || saving}>
                Save
              </button>
              {template.overridesBuiltin && (
                <button type="button" className="btn" onClick={() => setConfirm(true)}>
                  Use the theme's
                </button>
              )}
            </>
          ) : (
            <button type="button" className="btn primary" onClick={override} disabled={saving}>
              Override this template
            </button>
          )}
          <button type="button" className="btn narrow-only" onClick={() => setPane('preview')}>
            Preview
          </button>
        </div>
        {!user && (
          <p className="template-note">
            This is the theme's own <code>{name}</code> template. To change it, override it: a copy goes to{' '}
            <code>templates/{name}.liquid</code>, which the site then uses instead.
          </p>
        )}
        {onDisk && (
          <DiskConflict
            what="template"
            diskText={onDisk.content}
            onKeepMine={() => {
              setOnDisk(undefined);
              save();
            }}
            onTakeDisk={() => {
              setTemplate(onDisk);
              setText(onDisk.content);
              saved.current = onDisk.content;
              setOnDisk(undefined);
            }}
          />
        )}
        <LiquidEditor
          key={template.source}
          label={`Template ${name} (Liquid)`}
          value={text}
          readOnly={!user}
          onChange={setText}
          onSave={save}
          problems={problems}
        />
        {user && (
          <div className="script-problems" aria-label="Problems in the template" aria-live="polite">
            {check === undefined ? (
              <span className="muted">Checking…</span>
            ) : problems.length === 0 ? (
              <span className="ok">No problems</span>
            ) : (
              <ul>
                {problems.map((p, i) => (
                  <li key={i} className="error">
                    Line {p.line}:{p.column}: {p.message}
                  </li>
                ))}
              </ul>
            )}
          </div>
        )}
        <ConfirmDialog
          open={confirm}
          title={`Use the theme's “${name}” again?`}
          message={`templates/${name}.liquid is removed and the site uses the theme's template of that name. With git you can still get yours back from history.`}
          confirmLabel="Remove my template"
          onCancel={() => setConfirm(false)}
          onConfirm={() => {
            setConfirm(false);
            void (async () => {
              try {
                await client.call('templates.delete', { name });
                saved.current = undefined;
                notify(`templates/${name}.liquid removed: the theme's “${name}” is used again.`);
                void refreshTemplates();
                await load();
              } catch (e) {
                reportError(e, 'Removing the template');
              }
            })();
          }}
        />
      </section>
      <TemplatePreview
        templateName={name}
        text={text}
        edited={user && dirty}
        onEdit={() => setPane('editor')}
      />
    </main>
  );
}
