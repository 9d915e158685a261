// Trying a script: a utility with arguments, a macro on a chosen post with chosen parameters (its HTML
// and how it renders), a transform on a sample blogmark; live output, the result, the duration, Stop,
// and the last runs. A trusted utility runs on the server with bds_api; macros and transforms run in the
// browser's Python; a script not trusted yet runs only in the browser's sandbox, without bds_api. Every
// result says where it ran.
import { useEffect, useRef, useState, useSyncExternalStore } from 'react';
import type { OutputOf } from '../../../src/app/index.js';
import { blogmarkMarkdown, inspectBlogmark } from '../../../src/app/blogmark-input.js';
import type { TransformRunResult, UtilityRunResult } from '../../../src/scripting/runtime/types.js';
import { scriptRef } from '../../../src/scripting/scripts/script-ref.js';
import { browserPython, FrameCallError } from '../python/client.js';
import type { DraftMacros } from '../python/protocol.js';
import { client, reportError, useStore } from '../store.js';

type Script = OutputOf<'scripts.get'>;
type Runs = OutputOf<'scripts.runs'>;

type Where = 'server' | 'browser' | 'sandbox';

interface Outcome {
  status: 'ok' | 'error' | 'timeout' | 'stopped';
  where: Where;
  durationMs: number;
  output: string;
  error?: { message: string; line?: number };
  value?: unknown;
  /** A macro's HTML. */
  html?: string;
}

const WHERE_TEXT: Record<Where, string> = {
  server: 'on the server, with bds_api',
  browser: "in the browser's Python, with read-only bds_api",
  sandbox: "in the browser's sandbox, without bds_api",
};

const STATUS_TEXT: Record<Outcome['status'], string> = {
  ok: 'Done',
  error: 'Failed',
  timeout: 'Stopped: took too long',
  stopped: 'Stopped',
};

function statusOf(e: unknown): Outcome['status'] {
  const code = e instanceof FrameCallError ? e.code : (e as { code?: string })?.code;
  if (code === 'python-timeout') return 'timeout';
  if (code === 'task-cancelled') return 'stopped';
  return 'error';
}

export interface RunPanelProps {
  script: Script;
  /** Unsaved edits: the saved version is what runs. */
  dirty: boolean;
}

export function RunPanel({ script, dirty }: RunPanelProps) {
  const python = useSyncExternalStore(browserPython.subscribe, browserPython.getState);
  const posts = useStore((s) => s.posts);
  const [params, setParams] = useState(script.kind === 'macro' ? '' : '{}');
  const [postId, setPostId] = useState<string>('');
  const [sample, setSample] = useState({
    url: 'https://example.com/articles/a-good-read',
    title: 'A good read',
    selection: 'The part worth quoting.',
  });
  const [running, setRunning] = useState(false);
  const [live, setLive] = useState('');
  const [outcome, setOutcome] = useState<Outcome>();
  const [runs, setRuns] = useState<Runs>([]);
  const [project, setProject] = useState({ mainLanguage: 'en', blogmarkCategory: 'article' });
  const stop = useRef<(() => void) | undefined>(undefined);
  const liveText = useRef('');

  const trusted = script.trusted;
  const inBrowser = !trusted || script.kind !== 'utility';
  const where: Where = !trusted ? 'sandbox' : inBrowser ? 'browser' : 'server';
  const browserReady = python.status === 'ready';

  // The context a run gets carries the project's language, and a blogmark's category.
  useEffect(() => {
    void Promise.all(
      (['mainLanguage', 'blogmarkCategory'] as const).map((key) =>
        client.call('settings.get', { key }).then(
          (s) => [key, typeof s.value === 'string' ? s.value : undefined] as const,
          () => [key, undefined] as const,
        ),
      ),
    ).then((pairs) => {
      setProject((p) => {
        const next = { ...p };
        for (const [key, value] of pairs) if (value) next[key] = value;
        return next;
      });
    });
  }, []);

  useEffect(() => {
    if (!trusted) return;
    client.call('scripts.runs', { ref: script.id }).then(setRuns, () => setRuns([]));
  }, [script.id, script.version, trusted, outcome]);

  const onOutput = (_stream: 'stdout' | 'stderr', text: string) => {
    liveText.current += text;
    setLive(liveText.current);
  };

  const begin = () => {
    setRunning(true);
    setOutcome(undefined);
    setLive('');
    liveText.current = '';
    return performance.now();
  };

  const failed = (e: unknown, started: number, w: Where): Outcome => ({
    status: statusOf(e),
    where: w,
    durationMs: performance.now() - started,
    output: liveText.current,
    error: {
      message: e instanceof Error ? e.message : String(e),
      ...((e as { line?: number }).line ? { line: (e as { line: number }).line } : {}),
    },
  });

  const runUtility = async () => {
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(params || '{}') as Record<string, unknown>;
    } catch (e) {
      reportError(e, 'Parameters are not JSON');
      return;
    }
    const started = begin();
    if (where === 'server') {
      const ctl = new AbortController();
      stop.current = () => ctl.abort();
      try {
        const r = await client.callStreaming(
          'scripts.run',
          { ref: script.id, params: parsed },
          { signal: ctl.signal, onOutput },
        );
        setOutcome({
          status: r.status,
          where,
          durationMs: r.durationMs,
          output: r.stdout + r.stderr,
          ...(r.error
            ? { error: { message: r.error.message, ...(r.error.line ? { line: r.error.line } : {}) } }
            : {}),
          ...(r.value !== undefined ? { value: r.value } : {}),
        });
      } catch (e) {
        if (ctl.signal.aborted)
          setOutcome({
            status: 'stopped',
            where,
            durationMs: performance.now() - started,
            output: liveText.current,
          });
        else setOutcome(failed(e, started, where));
      }
      return;
    }
    const r = browserPython.request<UtilityRunResult>(
      {
        op: 'run',
        script: scriptRef(script),
        sandbox: true,
        call: {
          kind: 'utility',
          context: {
            params: parsed as never,
            env: { mainLanguage: project.mainLanguage, source: { kind: 'script', id: script.id } },
          },
        },
      },
      onOutput,
    );
    stop.current = () => browserPython.stop(r.id);
    try {
      const v = await r.result;
      setOutcome({
        status: 'ok',
        where,
        durationMs: v.durationMs,
        output: v.stdout + v.stderr,
        value: v.value,
      });
    } catch (e) {
      setOutcome(failed(e, started, where));
    }
  };

  const runMacro = async () => {
    const post = posts.find((p) => p.id === postId) ?? posts[0];
    if (!post) return;
    const started = begin();
    const call = `[[${script.slug}${params.trim() ? ` ${params.trim()}` : ''}]]`;
    const r = browserPython.request<DraftMacros>({
      op: 'draft',
      postId: post.id,
      title: post.title,
      body: `${call}\n`,
      sandbox: !trusted,
    });
    stop.current = () => browserPython.stop(r.id);
    try {
      const v = await r.result;
      const out = Object.values(v.outputs)[0];
      if (!out) {
        setOutcome({
          status: 'error',
          where,
          durationMs: performance.now() - started,
          output: '',
          error: {
            message: `${call} did not call this script: is it enabled, and is the call written as [[name key="value"]]?`,
          },
        });
      } else if (out.ok) {
        setOutcome({
          status: 'ok',
          where,
          durationMs: v.ms,
          output: out.warnings.join('\n'),
          html: out.html,
        });
      } else {
        setOutcome({
          status: out.reason === 'timeout' ? 'timeout' : 'error',
          where,
          durationMs: v.ms,
          output: '',
          error: { message: out.message },
        });
      }
    } catch (e) {
      setOutcome(failed(e, started, where));
    }
  };

  const runTransform = async () => {
    const checked = inspectBlogmark(sample);
    if (!checked.ok) {
      reportError(
        new Error(checked.problems.map((p) => `${p.field} ${p.message}`).join('; ')),
        'The sample blogmark',
      );
      return;
    }
    const b = checked.value;
    const started = begin();
    const r = browserPython.request<TransformRunResult>(
      {
        op: 'run',
        script: scriptRef(script),
        sandbox: !trusted,
        call: {
          kind: 'transform',
          post: {
            title: b.title,
            content: blogmarkMarkdown(b),
            tags: [],
            categories: [project.blogmarkCategory],
          },
          context: { source: 'blogmark', url: b.url, title: b.title, selection: b.selection, via: 'api' },
        },
      },
      onOutput,
    );
    stop.current = () => browserPython.stop(r.id);
    try {
      const v = await r.result;
      setOutcome({
        status: 'ok',
        where,
        durationMs: v.durationMs,
        output: v.stdout + v.stderr,
        value: v.changed ? v.post : { unchanged: true, post: v.post },
      });
    } catch (e) {
      setOutcome(failed(e, started, where));
    }
  };

  const run = () => {
    const go = script.kind === 'utility' ? runUtility : script.kind === 'macro' ? runMacro : runTransform;
    void go().finally(() => {
      stop.current = undefined;
      setRunning(false);
    });
  };

  const blocked = dirty
    ? 'Save first: the saved version runs'
    : inBrowser && !browserReady
      ? python.status === 'failed'
        ? `Python could not start in the browser: ${python.message}`
        : 'Python is loading in the browser…'
      : undefined;

  return (
    <section className="run-panel" aria-label="Run">
      <p className="muted run-where">
        {trusted ? 'Runs ' : 'Not trusted yet: runs only '}
        {WHERE_TEXT[where]}.
      </p>
      {script.kind === 'utility' && (
        <div className="run-row">
          <label htmlFor="script-params">Parameters (JSON)</label>
          <input
            id="script-params"
            value={params}
            spellCheck={false}
            onChange={(e) => setParams(e.target.value)}
          />
        </div>
      )}
      {script.kind === 'macro' && (
        <div className="run-grid">
          <label htmlFor="run-post">On the post</label>
          <select
            id="run-post"
            value={postId || posts[0]?.id || ''}
            onChange={(e) => setPostId(e.target.value)}
          >
            {posts.slice(0, 500).map((p) => (
              <option key={p.id} value={p.id}>
                {p.title}
              </option>
            ))}
          </select>
          <label htmlFor="run-macro-params">Parameters</label>
          <input
            id="run-macro-params"
            value={params}
            spellCheck={false}
            placeholder='text="hello" size=3'
            onChange={(e) => setParams(e.target.value)}
          />
        </div>
      )}
      {script.kind === 'transform' && (
        <div className="run-grid">
          <label htmlFor="run-url">Sample address</label>
          <input
            id="run-url"
            value={sample.url}
            onChange={(e) => setSample({ ...sample, url: e.target.value })}
          />
          <label htmlFor="run-title">Title</label>
          <input
            id="run-title"
            value={sample.title}
            onChange={(e) => setSample({ ...sample, title: e.target.value })}
          />
          <label htmlFor="run-selection">Selection</label>
          <input
            id="run-selection"
            value={sample.selection}
            onChange={(e) => setSample({ ...sample, selection: e.target.value })}
          />
        </div>
      )}
      <div className="run-row">
        {running ? (
          <button type="button" className="btn danger" onClick={() => stop.current?.()}>
            Stop
          </button>
        ) : (
          <button
            type="button"
            className="btn primary"
            disabled={blocked !== undefined}
            title={blocked}
            onClick={run}
          >
            {script.kind === 'utility'
              ? 'Run'
              : script.kind === 'macro'
                ? 'Try on the post'
                : 'Try on the sample'}
          </button>
        )}
        {blocked && <span className="muted">{blocked}</span>}
      </div>
      {running && (
        <pre className="run-output live" aria-label="Output so far" aria-live="polite">
          {live || 'Running…'}
        </pre>
      )}
      {outcome && (
        <div className={`run-result ${outcome.status}`} role="status">
          <div>
            <strong>{STATUS_TEXT[outcome.status]}</strong>{' '}
            <span className="muted">
              in {Math.round(outcome.durationMs)} ms, {WHERE_TEXT[outcome.where]}
            </span>
          </div>
          {outcome.error && (
            <pre className="run-error">
              {outcome.error.line ? `line ${outcome.error.line}: ` : ''}
              {outcome.error.message}
            </pre>
          )}
          {outcome.output && (
            <pre className="run-output" aria-label="Output">
              {outcome.output}
            </pre>
          )}
          {outcome.html !== undefined && (
            <>
              <pre className="run-value" aria-label="HTML">
                {outcome.html}
              </pre>
              {/* No scripts, no same-origin: the macro's HTML only shows. */}
              <iframe className="run-render" title="How the HTML renders" sandbox="" srcDoc={outcome.html} />
            </>
          )}
          {outcome.value !== undefined && (
            <pre className="run-value" aria-label="Result">
              {JSON.stringify(outcome.value, null, 2)}
            </pre>
          )}
        </div>
      )}
      {runs.length > 0 && (
        <details className="run-history">
          <summary>Last runs on the server ({runs.length})</summary>
          <ul>
            {runs.slice(0, 10).map((r) => (
              <li key={r.startedAt}>
                <span className={`run-status ${r.status}`}>{r.status}</span>{' '}
                <time dateTime={r.startedAt}>{new Date(r.startedAt).toLocaleString()}</time>{' '}
                <span className="muted">{Math.round(r.durationMs)} ms</span>
              </li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}
