// The bottom line: the project, its posts, running tasks, problems, the connection, and the theme.
import { useEffect, useState, useSyncExternalStore } from 'react';
import { browserPython, type BrowserPythonState } from '../python/client.js';
import { nextTheme, setTheme, themeChoice, type ThemeChoice } from '../theme.js';
import { useStore } from '../store.js';
import { BuildPanel } from './BuildPanel.js';
import { ProblemsPanel } from './ProblemsPanel.js';
import { ProjectSwitcher } from './ProjectSwitcher.js';

export function StatusBar() {
  const project = useStore((s) => s.project);
  const problems = useStore((s) => s.problems);
  const tasks = useStore((s) => s.tasks);
  const connected = useStore((s) => s.connected);
  const git = useStore((s) => s.git);
  const [switcher, setSwitcher] = useState(false);
  const [showProblems, setShowProblems] = useState(false);
  const [showBuild, setShowBuild] = useState(false);
  useEffect(() => {
    const onOpen = () => setShowBuild(true);
    window.addEventListener('bds-open-build', onOpen);
    return () => window.removeEventListener('bds-open-build', onOpen);
  }, []);
  useEffect(() => {
    const onOpen = () => setSwitcher(true);
    window.addEventListener('bds-switch-project', onOpen);
    return () => window.removeEventListener('bds-switch-project', onOpen);
  }, []);
  const [theme, setThemeState] = useState<ThemeChoice>(themeChoice());
  useEffect(() => {
    const onTheme = () => setThemeState(themeChoice());
    window.addEventListener('bds-theme', onTheme);
    return () => window.removeEventListener('bds-theme', onTheme);
  }, []);
  const running = tasks.filter((t) => t.status === 'running' || t.status === 'pending');
  const counts = project?.posts;
  return (
    <footer className="statusbar" role="contentinfo">
      <button
        type="button"
        title={`${project?.path ?? ''} (switch project)`}
        aria-haspopup="dialog"
        onClick={() => setSwitcher(true)}
      >
        {project?.project ?? 'bds'} ▾
      </button>
      {git && (
        <span title="git branch and changed files">
          ⎇ {git.branch ?? 'no branch'}
          {git.changes > 0 ? ` · ${git.changes} ${git.changes === 1 ? 'change' : 'changes'}` : ' · clean'}
        </span>
      )}
      {counts && (
        <span className="counts">
          {counts.published} published · {counts.draft} drafts
          {counts.archived ? ` · ${counts.archived} archived` : ''}
        </span>
      )}
      {running.map((t) => (
        <button key={t.id} type="button" role="status" title="Tasks" onClick={() => setShowBuild(true)}>
          ⟳ {t.name} {Math.round(t.progress)}%
        </button>
      ))}
      <span className="grow" />
      {problems.length > 0 && (
        <button
          type="button"
          className="status-problems"
          aria-haspopup="dialog"
          onClick={() => setShowProblems(true)}
        >
          ⚠ {problems.length} {problems.length === 1 ? 'problem' : 'problems'}
        </button>
      )}
      <button
        type="button"
        title="Build the site, and the tasks (Ctrl/Cmd-B)"
        onClick={() => setShowBuild(true)}
      >
        Build
      </button>
      <PythonRuntimeStatus />
      {!connected && <span className="status-offline">reconnecting…</span>}
      <button
        type="button"
        onClick={() => {
          setTheme(nextTheme(theme));
        }}
        title="Light, dark, or as the system"
        aria-label={`Theme: ${theme}`}
      >
        <span className="wide-only">Theme: </span>
        {theme}
      </button>
      <ProjectSwitcher open={switcher} onClose={() => setSwitcher(false)} />
      <ProblemsPanel open={showProblems} onClose={() => setShowProblems(false)} />
      <BuildPanel open={showBuild} onClose={() => setShowBuild(false)} />
    </footer>
  );
}

const PYTHON_LABELS: Record<BrowserPythonState['status'], { text: string; title: string }> = {
  off: { text: 'Python: server', title: 'Python runs on the server' },
  loading: {
    text: 'Python: loading…',
    title: 'Python is loading in the browser; meanwhile the preview runs macros on the server',
  },
  ready: { text: 'Python: browser', title: '' },
  failed: { text: 'Python: server', title: '' },
};

/** Where the preview's Python runs: in the browser once its runtime has loaded, on the server until then. */
function PythonRuntimeStatus() {
  const state = useSyncExternalStore(browserPython.subscribe, browserPython.getState);
  const label = PYTHON_LABELS[state.status];
  const title =
    state.status === 'ready'
      ? `Python ${state.info.pythonVersion} (Pyodide ${state.info.pyodideVersion}) runs the preview's macros in the browser; loaded in ${Math.round(state.info.loadMs)} ms${state.info.isolated ? '' : '; without cross-origin isolation a runaway script is stopped by restarting it'}`
      : state.status === 'failed'
        ? `Python could not start in the browser (${state.message}); the preview runs macros on the server`
        : label.title;
  return (
    <span className="status-python" data-python-runtime={state.status} title={title}>
      {label.text}
    </span>
  );
}
