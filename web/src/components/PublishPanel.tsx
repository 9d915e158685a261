// Publishing: the settings of meta/publishing.json (refused values shown at their field), a dry run that
// lists what would change on the server, and Publish with the three uploads' progress and a definite end.
import { useEffect, useRef, useState } from 'react';
import type { OutputOf } from '../../../src/app/index.js';
import { ApiError } from '../../../src/client/index.js';
import { client, notify, useStore, type TaskInfo } from '../store.js';

type Upload = OutputOf<'publish.upload'>;
type Field = 'host' | 'port' | 'user' | 'remotePath' | 'identityFile' | 'mode';

const FIELDS: { key: Exclude<Field, 'mode'>; label: string; placeholder: string; about: string }[] = [
  { key: 'host', label: 'Host', placeholder: 'example.org', about: 'The server the site goes to.' },
  { key: 'port', label: 'Port', placeholder: '22', about: 'Its ssh port.' },
  { key: 'user', label: 'User', placeholder: 'deploy', about: 'The account bds signs in as.' },
  {
    key: 'remotePath',
    label: 'Path',
    placeholder: '/var/www/blog',
    about: 'The folder on the server that serves the site.',
  },
  {
    key: 'identityFile',
    label: 'Identity file',
    placeholder: '~/.ssh/id_ed25519',
    about: 'A private key on this computer (its path only is stored); empty: the ssh agent.',
  },
];

type Form = Record<Field, string>;
const EMPTY: Form = { host: '', port: '', user: '', remotePath: '', identityFile: '', mode: 'rsync' };

/** Uploads carry their group; the store keeps what the event stream sent. */
type UploadTask = TaskInfo & { groupId?: string; groupName?: string };

/** The end of an upload in one sentence. */
function summary(r: Upload): string {
  const sent = r.htmlFilesUploaded + r.thumbnailFilesUploaded + r.mediaFilesUploaded;
  const failed = r.parts.filter((p) => p.status !== 'completed');
  if (failed.length) {
    return `${failed.map((p) => p.part).join(', ')} did not finish: ${failed.map((p) => (p as { error?: string }).error ?? p.status).join('; ')}`;
  }
  if (sent === 0 && r.filesDeleted === 0) {
    return 'Nothing to upload: the server already has this site.';
  }
  const counts = `${r.htmlFilesUploaded} page file(s), ${r.thumbnailFilesUploaded} thumbnail(s), ${r.mediaFilesUploaded} media file(s)`;
  const removed = r.filesDeleted ? `; ${r.filesDeleted} removed` : '';
  return r.dryRun ? `A publish would send ${counts}${removed}.` : `Published: sent ${counts}${removed}.`;
}

export function PublishPanel() {
  const [form, setForm] = useState<Form>(EMPTY);
  const [configured, setConfigured] = useState<boolean>();
  const [fieldError, setFieldError] = useState<{ field?: string; message: string }>();
  const [remove, setRemove] = useState(false);
  const [busy, setBusy] = useState<'save' | 'dry' | 'publish' | 'build'>();
  const [result, setResult] = useState<Upload>();
  const [failure, setFailure] = useState<{ message: string; hint?: string; code?: string }>();
  const [groupTasks, setGroupTasks] = useState<Set<string>>();
  const abort = useRef<AbortController | undefined>(undefined);
  const tasks = useStore((s) => s.tasks) as UploadTask[];

  useEffect(() => {
    client.call('publish.getConfig', {}).then(
      (c) => {
        setConfigured(true);
        setForm({
          host: c.host,
          port: c.port === undefined ? '' : String(c.port),
          user: c.user,
          remotePath: c.remotePath,
          identityFile: c.identityFile ?? '',
          mode: c.mode,
        });
      },
      (e: unknown) => {
        setConfigured(false);
        if (e instanceof ApiError && e.code !== 'publish-not-configured') showError(e);
      },
    );
  }, []);

  const showError = (e: unknown) => {
    const message = e instanceof Error ? e.message : String(e);
    const field = /field "(\w+)"/.exec(message)?.[1];
    setFieldError({ ...(field ? { field } : {}), message });
  };

  const save = async () => {
    setBusy('save');
    setFieldError(undefined);
    try {
      const port = form.port.trim();
      const saved = await client.call('publish.setConfig', {
        host: form.host,
        user: form.user,
        remotePath: form.remotePath,
        mode: form.mode as 'rsync' | 'scp',
        ...(port ? { port: Number(port) } : {}),
        ...(form.identityFile.trim() ? { identityFile: form.identityFile.trim() } : {}),
      });
      setConfigured(true);
      setForm((f) => ({ ...f, mode: saved.mode }));
      notify('Publishing settings saved.');
    } catch (e) {
      showError(e);
    } finally {
      setBusy(undefined);
    }
  };

  const upload = async (dryRun: boolean) => {
    setBusy(dryRun ? 'dry' : 'publish');
    setResult(undefined);
    setFailure(undefined);
    // The tasks of this upload are the ones that were not there before it started.
    const before = new Set(tasks.map((t) => t.id));
    setGroupTasks(before);
    abort.current = new AbortController();
    try {
      const r = await client.call(
        'publish.upload',
        { dryRun, ...(remove && form.mode === 'rsync' ? { delete: true } : {}) },
        { signal: abort.current.signal },
      );
      setResult(r);
    } catch (e) {
      const err = e instanceof ApiError ? e : undefined;
      const aborted = e instanceof DOMException && e.name === 'AbortError';
      setFailure({
        message: aborted
          ? 'Publishing cancelled: the uploads stopped.'
          : e instanceof Error
            ? e.message
            : String(e),
        ...(err?.hint ? { hint: err.hint } : {}),
        ...(err?.code ? { code: err.code } : {}),
      });
    } finally {
      abort.current = undefined;
      setBusy(undefined);
    }
  };

  const build = async () => {
    setBusy('build');
    try {
      const s = await client.call('site.build', {});
      setFailure(undefined);
      notify(`Site built: ${s.pagesWritten} pages written.`);
    } catch (e) {
      showError(e);
    } finally {
      setBusy(undefined);
    }
  };

  const uploads = groupTasks
    ? tasks.filter((t) => !groupTasks.has(t.id) && (t.groupName ?? '').startsWith('Publish'))
    : [];

  return (
    <section aria-labelledby="publish-title" className="publish-panel">
      <h2 id="publish-title">Publish</h2>
      <p className="muted">
        The built site goes to your server over ssh. These settings live in meta/publishing.json (no passwords
        or keys: the ssh agent or an identity file signs you in).
      </p>
      <form
        aria-label="Publishing settings"
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        {FIELDS.map((f) => (
          <div className="setting" key={f.key}>
            <label htmlFor={`publish-${f.key}`}>{f.label}</label>
            <input
              id={`publish-${f.key}`}
              value={form[f.key]}
              placeholder={f.placeholder}
              inputMode={f.key === 'port' ? 'numeric' : undefined}
              spellCheck={false}
              aria-invalid={fieldError?.field === f.key || undefined}
              onChange={(e) => setForm({ ...form, [f.key]: e.target.value })}
            />
            <p className="muted setting-about">{f.about}</p>
            {fieldError?.field === f.key && (
              <p className="field-error" role="alert">
                {fieldError.message}
              </p>
            )}
          </div>
        ))}
        <div className="setting">
          <label htmlFor="publish-mode">Mode</label>
          <select
            id="publish-mode"
            value={form.mode}
            onChange={(e) => setForm({ ...form, mode: e.target.value })}
          >
            <option value="rsync">rsync</option>
            <option value="scp">scp</option>
          </select>
          <p className="muted setting-about">
            rsync sends only what changed and can remove what the site no longer has; scp sends everything.
          </p>
        </div>
        <div className="setting">
          <label htmlFor="publish-delete">Delete</label>
          <input
            id="publish-delete"
            type="checkbox"
            checked={remove && form.mode === 'rsync'}
            disabled={form.mode !== 'rsync'}
            onChange={(e) => setRemove(e.target.checked)}
          />
          <p className="muted setting-about">
            Remove files on the server that the site no longer has (rsync only; asked at each publish, not
            stored).
          </p>
        </div>
        {fieldError && !FIELDS.some((f) => f.key === fieldError.field) && (
          <p className="field-error" role="alert">
            {fieldError.message}
          </p>
        )}
        <div className="publish-actions">
          <button type="submit" className="btn" disabled={Boolean(busy)}>
            {busy === 'save' ? 'Saving…' : 'Save settings'}
          </button>
          <button
            type="button"
            className="btn"
            disabled={Boolean(busy) || !configured}
            onClick={() => void upload(true)}
          >
            {busy === 'dry' ? 'Checking…' : 'Dry run'}
          </button>
          <button
            type="button"
            className="btn primary"
            disabled={Boolean(busy) || !configured}
            onClick={() => void upload(false)}
          >
            {busy === 'publish' ? 'Publishing…' : 'Publish'}
          </button>
          {(busy === 'publish' || busy === 'dry') && (
            <button type="button" className="btn danger" onClick={() => abort.current?.abort()}>
              Cancel
            </button>
          )}
        </div>
      </form>
      {configured === false && !fieldError && (
        <p className="muted">Fill in the server and save to publish.</p>
      )}

      {uploads.length > 0 && (
        <ul className="publish-progress" aria-label="Uploads">
          {uploads.map((t) => (
            <li key={t.id} data-status={t.status}>
              <span className="publish-task-name" title={t.name}>
                {t.name}
              </span>
              <progress max={100} value={t.progress} aria-label={`${t.name} progress`} />
              <span className="muted">
                {t.status === 'running' || t.status === 'pending' ? `${Math.round(t.progress)}%` : t.status}
                {t.message ? ` · ${t.message}` : ''}
              </span>
            </li>
          ))}
        </ul>
      )}

      {failure && (
        <div className="git-failure" role="alert" aria-label="Publishing failed">
          <p>{failure.message}</p>
          {failure.hint && <p className="muted">{failure.hint}</p>}
          {failure.code === 'site-not-built' && (
            <button type="button" className="btn" disabled={Boolean(busy)} onClick={() => void build()}>
              {busy === 'build' ? 'Building…' : 'Build the site'}
            </button>
          )}
        </div>
      )}

      {result && (
        <div
          className="publish-result"
          role="status"
          aria-label={result.dryRun ? 'Dry run' : 'Publish result'}
        >
          <strong>{summary(result)}</strong>
          {result.parts.map((p) => {
            const part = p as typeof p & { files?: string[]; deleted?: string[]; destination?: string };
            const files = part.files ?? [];
            const deleted = part.deleted ?? [];
            if (files.length === 0 && deleted.length === 0) return null;
            return (
              <details key={p.part} open={result.dryRun}>
                <summary>
                  {p.part}: {files.length} to send{deleted.length ? `, ${deleted.length} to remove` : ''}
                  {part.destination ? ` → ${part.destination}` : ''}
                </summary>
                <ul>
                  {files.slice(0, 200).map((f) => (
                    <li key={`+${f}`}>
                      <code>{f}</code>
                    </li>
                  ))}
                  {deleted.slice(0, 200).map((f) => (
                    <li key={`-${f}`} className="removed">
                      <code>{f}</code> (remove)
                    </li>
                  ))}
                  {files.length + deleted.length > 400 && <li className="muted">…and more</li>}
                </ul>
              </details>
            );
          })}
        </div>
      )}
    </section>
  );
}
