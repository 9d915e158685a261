// Git for the writer: the changes by kind, commit all with a message, the history marked local-only or
// remote-only, and fetch / pull / push with what went wrong in words (credentials, conflicts, offline).
// After a pull: what changed, and the scripts that became untrusted, each with a link to review it.
import { useCallback, useEffect, useState } from 'react';
import type { OutputOf } from '../../../src/app/index.js';
import { ApiError } from '../../../src/client/index.js';
import { client, notify, refreshScripts, useStore } from '../store.js';

type Status = OutputOf<'git.status'>;
type Commit = OutputOf<'git.log'>[number];
type Remote = OutputOf<'git.remoteState'>;
type Repo = OutputOf<'git.repoState'>;
type Pulled = OutputOf<'git.pull'>;
type Script = OutputOf<'scripts.list'>[number];

const KINDS = ['posts', 'drafts', 'media', 'scripts', 'templates', 'meta', 'other'] as const;
type Kind = (typeof KINDS)[number];

/** The part of the project a path belongs to, by its top folder. */
function kindOf(path: string): Kind {
  const top = path.split('/')[0] as Kind;
  return KINDS.includes(top) && path.includes('/') ? top : 'other';
}

function byKind<T extends { path: string }>(items: readonly T[]): [Kind, T[]][] {
  return KINDS.map((k) => [k, items.filter((i) => kindOf(i.path) === k)] as [Kind, T[]]).filter(
    ([, list]) => list.length > 0,
  );
}

/** What a failed git action means for the user, and what to do next. */
interface Failure {
  action: string;
  title: string;
  message: string;
  hint?: string;
  conflicts?: string[];
}

function explain(action: string, e: unknown, conflicts: string[]): Failure {
  const err = e instanceof ApiError ? e : undefined;
  const message = e instanceof Error ? e.message : String(e);
  const hint = err?.hint;
  switch (err?.code) {
    case 'auth-required':
      return {
        action,
        title: 'The remote wants to know who you are',
        message,
        hint:
          hint ??
          'Load your SSH key into the agent (ssh-add) or set up a credential helper for git; bds never asks for passwords.',
      };
    case 'git-conflict':
      return {
        action,
        title: 'Your changes and the remote’s clash',
        message,
        hint: 'Open each file below, keep the text you want and remove the <<<<<<< ======= >>>>>>> lines, then commit here to finish the merge.',
        conflicts,
      };
    case 'network':
    case 'remote-unreachable':
      return {
        action,
        title: err.code === 'network' ? 'Offline: the remote cannot be reached' : 'The remote was not found',
        message,
        hint: hint ?? 'Your work is safe here; try again when the network is back.',
      };
    case 'push-rejected':
      return {
        action,
        title: 'The remote has commits you do not have',
        message,
        hint: 'Pull first, then push.',
      };
    default:
      return { action, title: `${action} failed`, message, ...(hint ? { hint } : {}) };
  }
}

const STATUS_WORD: Record<string, string> = {
  untracked: 'new',
  added: 'added',
  modified: 'changed',
  deleted: 'deleted',
  renamed: 'renamed',
  conflicted: 'conflict',
};

export function GitPanel() {
  const gitState = useStore((s) => s.git);
  const [repo, setRepo] = useState<Repo>();
  const [status, setStatus] = useState<Status>();
  const [log, setLog] = useState<Commit[]>([]);
  const [remote, setRemote] = useState<Remote>();
  const [message, setMessage] = useState('');
  const [busy, setBusy] = useState<string>();
  const [failure, setFailure] = useState<Failure>();
  const [done, setDone] = useState<string>();
  const [pulled, setPulled] = useState<{ result: Pulled; untrusted: Script[] }>();
  const [loadError, setLoadError] = useState<string>();

  const load = useCallback(async () => {
    try {
      const r = await client.call('git.repoState', {});
      setRepo(r);
      if (!r.isRepo) return;
      const [s, l, rs] = await Promise.all([
        client.call('git.status', {}),
        client.call('git.log', { limit: 30 }),
        client.call('git.remoteState', {}),
      ]);
      setStatus(s);
      setLog(l);
      setRemote(rs);
      setLoadError(undefined);
    } catch (e) {
      setLoadError(e instanceof Error ? e.message : String(e));
    }
  }, []);

  // Read again whenever the status bar's git state does (saves, pulls, commits anywhere).
  useEffect(() => {
    void load();
  }, [load, gitState]);

  const conflictedFiles = (s?: Status) =>
    (s?.files ?? []).filter((f) => f.status === 'conflicted').map((f) => f.path);

  /** Runs one action; a failure stays on screen (with the conflicted files) until the next action. */
  const act = async (action: string, run: () => Promise<string | undefined>) => {
    setBusy(action);
    setFailure(undefined);
    setDone(undefined);
    try {
      const said = await run();
      if (said) setDone(said);
    } catch (e) {
      let s: Status | undefined;
      try {
        s = await client.call('git.status', {});
        setStatus(s);
      } catch {
        // The failure itself is what the user needs to read.
      }
      setFailure(explain(action, e, conflictedFiles(s)));
    } finally {
      setBusy(undefined);
      await load();
    }
  };

  const commit = () =>
    act('Commit', async () => {
      const r = await client.call('git.commit', { message });
      if (r.nothingToCommit) return 'Nothing to commit: every change is already in a commit.';
      setMessage('');
      return `Committed ${r.commit ? r.commit.slice(0, 7) : ''}.`;
    });

  const fetchRemote = () =>
    act('Fetch', async () => {
      const r = await client.call('git.fetch', {});
      return r.behind === 0
        ? 'Fetched: the remote has nothing new.'
        : `Fetched: the remote has ${r.behind} commit(s) you do not have. Pull to bring them here.`;
    });

  const pull = () =>
    act('Pull', async () => {
      setPulled(undefined);
      const result = await client.call('git.pull', {});
      if (!result.headMoved) return 'Pulled: already up to date.';
      const changedScripts = new Set(
        result.changes
          .filter((c) => c.status !== 'deleted' && kindOf(c.path) === 'scripts')
          .map((c) => c.path),
      );
      const scripts = changedScripts.size ? await client.call('scripts.list', {}) : [];
      const untrusted = scripts.filter((s) => !s.trusted && changedScripts.has(s.path));
      if (untrusted.length) void refreshScripts();
      setPulled({ result, untrusted });
      notify(`Pulled ${result.changes.length} changed file(s).`);
      return undefined;
    });

  const push = () =>
    act('Push', async () => {
      await client.call('git.push', {});
      return 'Pushed: the remote has your commits.';
    });

  if (loadError) {
    return (
      <section aria-labelledby="git-title" className="git-panel">
        <h2 id="git-title">Git</h2>
        <p className="field-error" role="alert">
          {loadError}
        </p>
      </section>
    );
  }
  if (repo && !repo.isRepo) {
    return (
      <section aria-labelledby="git-title" className="git-panel">
        <h2 id="git-title">Git</h2>
        <p className="muted">
          This project is not a git repository yet. Git keeps every version of your posts and shares them with
          your other computers.
        </p>
        <button
          type="button"
          className="btn primary"
          disabled={Boolean(busy)}
          onClick={() => void act('Start', async () => (await client.call('git.init', {}), 'Git started.'))}
        >
          Start using git
        </button>
      </section>
    );
  }

  if (!repo || !status) {
    return (
      <section aria-labelledby="git-title" className="git-panel">
        <h2 id="git-title">Git</h2>
        <p className="muted">Reading the repository…</p>
      </section>
    );
  }

  const changes = status.files;
  return (
    <section aria-labelledby="git-title" className="git-panel">
      <h2 id="git-title">Git</h2>
      <p className="muted" aria-label="Branch">
        {repo.currentBranch ?? '…'}
        {remote?.hasUpstream
          ? ` · tracks ${remote.upstreamBranch} · ${remote.ahead} to push · ${remote.behind} to pull`
          : repo.hasRemote
            ? ' · not pushed yet'
            : ' · no remote'}
      </p>

      <div className="git-actions">
        <button type="button" className="btn" disabled={Boolean(busy)} onClick={() => void fetchRemote()}>
          {busy === 'Fetch' ? 'Fetching…' : 'Fetch'}
        </button>
        <button type="button" className="btn" disabled={Boolean(busy)} onClick={() => void pull()}>
          {busy === 'Pull' ? 'Pulling…' : 'Pull'}
        </button>
        <button type="button" className="btn" disabled={Boolean(busy)} onClick={() => void push()}>
          {busy === 'Push' ? 'Pushing…' : 'Push'}
        </button>
      </div>

      {failure && (
        <div className="git-failure" role="alert" aria-label={`${failure.action} failed`}>
          <strong>{failure.title}</strong>
          <p>{failure.message}</p>
          {failure.conflicts && failure.conflicts.length > 0 && (
            <ul aria-label="Files in conflict">
              {failure.conflicts.map((f) => (
                <li key={f}>
                  <code>{f}</code>
                </li>
              ))}
            </ul>
          )}
          {failure.hint && <p className="muted">{failure.hint}</p>}
        </div>
      )}
      {done && (
        <p className="git-done" role="status">
          {done}
        </p>
      )}

      {pulled && (
        <div className="git-pulled" role="region" aria-label="What the pull brought">
          <strong>Pulled {pulled.result.changes.length} changed file(s)</strong>
          <ul>
            {byKind(pulled.result.changes).map(([kind, list]) => (
              <li key={kind}>
                {kind}: {list.map((c) => `${c.path} (${c.status})`).join(', ')}
              </li>
            ))}
          </ul>
          {pulled.untrusted.length > 0 && (
            <div className="git-untrusted">
              <strong>
                {pulled.untrusted.length} script(s) changed by someone else: they do not run until you trust
                them
              </strong>
              <ul aria-label="Untrusted scripts">
                {pulled.untrusted.map((s) => (
                  <li key={s.id}>
                    <span className="untrusted-mark">untrusted</span>{' '}
                    <a href={`#script/${encodeURIComponent(s.id)}`}>Review and trust {s.title}</a>
                  </li>
                ))}
              </ul>
            </div>
          )}
          {(pulled.result.reconcile?.problems.length ?? 0) > 0 && (
            <ul aria-label="Problems in pulled files">
              {pulled.result.reconcile!.problems.map((p) => (
                <li key={`${p.file}:${p.code}`} className="field-error">
                  {p.file}: {p.message}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}

      <h3>Changes</h3>
      {changes.length === 0 ? (
        <p className="muted">No changes: everything is in a commit.</p>
      ) : (
        <div aria-label="Changes" role="region">
          {byKind(changes).map(([kind, list]) => (
            <div key={kind} className="git-kind">
              <h4>
                {kind} <span className="muted">({list.length})</span>
              </h4>
              <ul>
                {list.map((f) => (
                  <li key={f.path} className={`git-file ${f.status}`}>
                    <span className="git-file-status">{STATUS_WORD[f.status] ?? f.status}</span>
                    <code>{f.path}</code>
                  </li>
                ))}
              </ul>
            </div>
          ))}
        </div>
      )}
      <form
        className="git-commit"
        onSubmit={(e) => {
          e.preventDefault();
          void commit();
        }}
      >
        <label htmlFor="git-message" className="visually-hidden">
          Commit message
        </label>
        <input
          id="git-message"
          value={message}
          placeholder="What changed, in a line"
          onChange={(e) => setMessage(e.target.value)}
        />
        <button
          type="submit"
          className="btn primary"
          disabled={Boolean(busy) || !message.trim() || changes.length === 0}
        >
          {busy === 'Commit' ? 'Committing…' : 'Commit all'}
        </button>
      </form>

      <h3>History</h3>
      {log.length === 0 ? (
        <p className="muted">No commits yet.</p>
      ) : (
        <ol className="git-log" aria-label="History">
          {log.map((c) => (
            <li key={c.hash} className={c.syncStatus ?? ''}>
              <code>{c.shortHash}</code>
              <span className="git-subject">{c.subject}</span>
              {c.syncStatus === 'local-only' && <span className="git-mark">only here</span>}
              {c.syncStatus === 'remote-only' && <span className="git-mark remote">only on the remote</span>}
              <span className="muted git-meta">
                {c.author} · {new Date(c.date).toLocaleString()}
              </span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
