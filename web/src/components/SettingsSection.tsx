// Settings: the project's (bds.json, shared through git) and this machine's for the project (how Python
// runs: mode, pool size, time limits; applied without a restart), each saved when its field is left, with
// the catalogue's message at the field when a value is refused; and Data: rebuild the index from the
// files, with what each rebuild found.
import { useEffect, useState } from 'react';
import type { OutputOf } from '../../../src/app/index.js';
import { client, notify, reportError, useStore } from '../store.js';
import { Bookmarklet } from './Bookmarklet.js';
import { TaxonomySettings } from './TaxonomySettings.js';

type Setting = OutputOf<'settings.list'>[number];
type Problem = { code: string; message: string; file: string; line?: number };

const MODES: Record<string, string> = {
  worker:
    'Each Python interpreter runs in a worker thread: a runaway script is stopped at its time limit and the app stays responsive. Recommended.',
  'main-thread':
    'The fallback: Python runs inside the server process. Use it only where worker threads cannot start; a runaway script is stopped less reliably.',
};

function asText(v: unknown): string {
  if (v === undefined || v === null) return '';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function SettingField({ setting, onSaved }: { setting: Setting; onSaved(s: Setting): void }) {
  const [text, setText] = useState(asText(setting.value));
  const [error, setError] = useState<string>();
  const id = `setting-${setting.key}`;
  useEffect(() => setText(asText(setting.value)), [setting.value]);

  const save = async (raw: unknown) => {
    try {
      const next = await client.call('settings.set', { key: setting.key, value: raw });
      setError(undefined);
      onSaved(next);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  const parse = (): unknown => {
    const sample = setting.value ?? setting.default;
    if (typeof sample === 'number') return text.trim() === '' ? undefined : Number(text);
    if (typeof sample === 'string' || sample === undefined) return text;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  };

  let control: React.ReactNode;
  if (setting.key === 'pythonRuntimeMode') {
    control = (
      <select id={id} value={text || 'worker'} onChange={(e) => void save(e.target.value)}>
        {Object.keys(MODES).map((m) => (
          <option key={m} value={m}>
            {m}
          </option>
        ))}
      </select>
    );
  } else if (typeof (setting.value ?? setting.default) === 'boolean') {
    control = (
      <input
        id={id}
        type="checkbox"
        checked={Boolean(setting.value)}
        disabled={setting.readOnly}
        onChange={(e) => void save(e.target.checked)}
      />
    );
  } else {
    control = (
      <input
        id={id}
        value={text}
        readOnly={setting.readOnly}
        type={typeof (setting.value ?? setting.default) === 'number' ? 'number' : 'text'}
        placeholder={setting.default === undefined ? '' : asText(setting.default)}
        spellCheck={false}
        onChange={(e) => setText(e.target.value)}
        onBlur={() => {
          if (text !== asText(setting.value)) void save(parse());
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && text !== asText(setting.value)) void save(parse());
        }}
      />
    );
  }
  return (
    <div className="setting">
      <label htmlFor={id}>{setting.key}</label>
      {control}
      <p className="muted setting-about">
        {setting.key === 'pythonRuntimeMode' ? MODES[text || 'worker'] : setting.description}
      </p>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

type RebuildWhat = 'everything' | 'posts' | 'media' | 'scripts' | 'thumbnails';

/** The Data section's rebuilds, each a task (its progress shows here and in the status bar). */
const REBUILDS: Record<RebuildWhat, string> = {
  everything: 'Rebuild everything',
  posts: 'Rebuild posts',
  media: 'Rebuild media',
  scripts: 'Rebuild scripts',
  thumbnails: 'Make thumbnails again',
};

interface RebuildReport {
  what: string;
  lines: string[];
  problems: Problem[];
}

export function SettingsSection() {
  const project = useStore((s) => s.project);
  const [settings, setSettings] = useState<Setting[]>();
  const [busy, setBusy] = useState<string>();
  const [report, setReport] = useState<RebuildReport>();
  const running = useStore((s) =>
    s.tasks.find((t) => t.status === 'running' && t.name.startsWith('Rebuild')),
  );

  useEffect(() => {
    client
      .call('settings.list', {})
      .then(setSettings, (e: unknown) => reportError(e, 'Reading the settings'));
  }, []);

  const saved = (s: Setting) => {
    setSettings((all) => all?.map((x) => (x.key === s.key ? s : x)));
    notify(`${s.key} saved.`);
  };

  const rebuild = async (what: RebuildWhat) => {
    setBusy(what);
    setReport(undefined);
    try {
      if (what === 'thumbnails') {
        const r = await client.call('media.thumbnails', { force: true });
        setReport({
          what: 'Thumbnails made again',
          lines: [`${r.written} thumbnails written`],
          problems: [],
        });
      } else {
        const r = await client.call('project.rebuild', what === 'everything' ? {} : { only: what });
        const parts = [
          ['Posts', r.posts],
          ['Media', r.media],
          ['Scripts', r.scripts],
        ] as const;
        setReport({
          what: what === 'everything' ? 'Index rebuilt from the files' : `${REBUILDS[what]}: done`,
          lines: [
            ...parts.flatMap(([name, p]) => (p ? [`${name}: ${p.indexed} read, ${p.removed} gone`] : [])),
            `in ${Math.round(r.ms)} ms`,
          ],
          problems: parts.flatMap(([, p]) => p?.problems ?? []),
        });
      }
    } catch (e) {
      reportError(e, 'Rebuilding');
    } finally {
      setBusy(undefined);
    }
  };

  const group = (scope: Setting['scope']) => (settings ?? []).filter((s) => s.scope === scope);

  return (
    <div className="settings-pane">
      <section aria-labelledby="settings-machine">
        <h2 id="settings-machine">Technology</h2>
        <p className="muted">
          How Python runs for {project?.project ?? 'this project'} on this computer (kept in your bds folder,
          not in the project). Changes apply at once, no restart.
        </p>
        {group('machine').map((s) => (
          <SettingField key={s.key} setting={s} onSaved={saved} />
        ))}
      </section>
      <section aria-labelledby="settings-project">
        <h2 id="settings-project">Project</h2>
        <p className="muted">Stored in bds.json, so they travel with the project through git.</p>
        {group('project').map((s) => (
          <SettingField key={s.key} setting={s} onSaved={saved} />
        ))}
        <Bookmarklet />
      </section>
      <TaxonomySettings />
      <section aria-labelledby="settings-data">
        <h2 id="settings-data">Data</h2>
        <p className="muted">
          The files are the truth; the index is a cache made from them. Rebuild it when something looks out of
          step (after editing many files with other tools, say).
        </p>
        <div className="media-actions">
          {(Object.keys(REBUILDS) as RebuildWhat[]).map((what) => (
            <button
              key={what}
              type="button"
              className="btn"
              disabled={busy !== undefined}
              onClick={() => void rebuild(what)}
            >
              {busy === what ? 'Working…' : REBUILDS[what]}
            </button>
          ))}
        </div>
        {busy && (
          <p className="muted rebuild-progress" role="status">
            {running ? `${running.message ?? 'Working'} · ${Math.round(running.progress)}%` : 'Working…'}
          </p>
        )}
        {report && (
          <div className="rebuild-report" role="status">
            <strong>{report.what}</strong>
            <ul>
              {report.lines.map((l) => (
                <li key={l}>{l}</li>
              ))}
            </ul>
            {report.problems.length > 0 && (
              <>
                <p>
                  {report.problems.length} file{report.problems.length === 1 ? '' : 's'} could not be read:
                </p>
                <ul className="problems-list">
                  {report.problems.map((p) => (
                    <li key={`${p.file}:${p.code}`}>
                      <code>
                        {p.file}
                        {p.line ? `:${p.line}` : ''}
                      </code>{' '}
                      {p.message}
                    </li>
                  ))}
                </ul>
              </>
            )}
          </div>
        )}
      </section>
    </div>
  );
}
