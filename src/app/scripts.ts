// Use cases of Python scripts: create and edit them (the file is the truth), enable, trust, rename,
// check their syntax with Python's own parser, run utilities and read their run history.
import { z } from 'zod';
import { ScriptCheckSchema } from '../core/abi.js';
import { BdsError } from '../core/errors.js';
import type { Script } from '../scripting/scripts/script-store.js';
import { checkScript, runUtility } from './python.js';
import type { AppServices } from './services.js';
import { nonEmpty, ScriptKindSchema, ScriptSchema, ScriptWithCodeSchema } from './schemas.js';
import { workspaceUseCase } from './use-case.js';

const ScriptRef = nonEmpty('script').describe('script id or slug');

/** What a user sets on a script, at creation and later. */
const ScriptFields = {
  code: z.string().optional(),
  entrypoint: z.string().optional(),
  enabled: z.boolean().optional(),
  order: z.number().int().optional(),
};

function scriptOp(app: AppServices, fn: () => Script): Script {
  const script = app.transaction(fn);
  app.scriptsChanged();
  return script;
}

/** Slugs of posts whose Markdown holds `[[macro ...]]`. */
function postsUsingMacro(app: AppServices, macro: string): string[] {
  const re = new RegExp(`\\[\\[${macro}(?=[\\s\\]])`, 'i');
  return app.posts
    .list()
    .filter((p) => re.test(p.body))
    .map((p) => p.slug);
}

const withoutNotices = ({ notices: _n, hasFrontmatter: _h, ...s }: z.output<typeof ScriptSchema>) => s;

export const listScripts = workspaceUseCase({
  name: 'scripts.list',
  description: 'Scripts with kind, state and trust.',
  input: z.object({}),
  output: z.array(ScriptSchema),
  readOnly: true,
  errors: [],
  http: { method: 'GET', path: '/api/scripts' },
  python: {
    method: 'scripts.list',
    fromOutput: (list: z.output<typeof ScriptSchema>[]) => list.map(withoutNotices),
  },
  run: (app) => app.scripts.list(),
});

export const getScript = workspaceUseCase({
  name: 'scripts.get',
  description: 'One script by id or slug, with its code.',
  input: z.object({ ref: ScriptRef }),
  output: ScriptWithCodeSchema,
  readOnly: true,
  errors: ['script-not-found'],
  http: { method: 'GET', path: '/api/scripts/:ref' },
  python: {
    method: 'scripts.get',
    fromOutput: (s: z.output<typeof ScriptWithCodeSchema>) => ({ ...withoutNotices(s), code: s.code }),
  },
  run: (app, { ref }) => app.scripts.get(ref),
});

export const createScript = workspaceUseCase({
  name: 'scripts.create',
  description:
    'Create a script (its slug is its macro name: lower case, digits and _); starter code unless `code` is given.',
  input: z.object({
    title: nonEmpty('title'),
    kind: ScriptKindSchema,
    slug: z.string().optional(),
    ...ScriptFields,
  }),
  output: ScriptWithCodeSchema,
  readOnly: false,
  errors: ['path-escape', 'io-error'],
  http: { method: 'POST', path: '/api/scripts' },
  run: (app, input) => scriptOp(app, () => app.scripts.create(input)),
});

export const updateScript = workspaceUseCase({
  name: 'scripts.update',
  description: 'Change a script (its version goes up by one).',
  input: z.object({
    ref: ScriptRef,
    title: z.string().optional(),
    kind: ScriptKindSchema.optional(),
    ...ScriptFields,
  }),
  output: ScriptWithCodeSchema,
  readOnly: false,
  errors: ['script-not-found', 'io-error'],
  http: { method: 'PATCH', path: '/api/scripts/:ref' },
  run: (app, { ref, ...patch }) => scriptOp(app, () => app.scripts.update(ref, patch)),
});

export const setScriptEnabled = workspaceUseCase({
  name: 'scripts.setEnabled',
  description: 'Enable or disable a script.',
  input: z.object({ ref: ScriptRef, enabled: z.boolean() }),
  output: ScriptWithCodeSchema,
  readOnly: false,
  errors: ['script-not-found', 'io-error'],
  http: { method: 'PUT', path: '/api/scripts/:ref/enabled' },
  run: (app, { ref, enabled }) => scriptOp(app, () => app.scripts.setEnabled(ref, enabled)),
});

export const trustScript = workspaceUseCase({
  name: 'scripts.trust',
  description: 'Allow a script that came from outside bds (a git pull, an outside edit) to run.',
  input: z.object({ ref: ScriptRef }),
  output: ScriptWithCodeSchema,
  readOnly: false,
  errors: ['script-not-found', 'io-error'],
  http: { method: 'POST', path: '/api/scripts/:ref/trust' },
  run: (app, { ref }) => scriptOp(app, () => app.scripts.trust(ref)),
});

export const trustDiff = workspaceUseCase({
  name: 'scripts.trustDiff',
  description:
    'A script as it is now and as you last trusted it (null when bds kept no copy), to review a change before trusting it.',
  input: z.object({ ref: ScriptRef }),
  output: z.object({
    path: z.string(),
    current: z.string(),
    lastTrusted: z.string().nullable(),
    trusted: z.boolean(),
  }),
  readOnly: true,
  errors: ['script-not-found'],
  http: { method: 'GET', path: '/api/scripts/:ref/trust-diff' },
  run: (app, { ref }) => app.scripts.trustDiff(ref),
});

export const renameScript = workspaceUseCase({
  name: 'scripts.rename',
  description: "Change a script's macro name (moves the file); lists the posts that still use the old name.",
  input: z.object({ ref: ScriptRef, newSlug: nonEmpty('newSlug') }),
  output: z.object({ script: ScriptWithCodeSchema, stillUsedBy: z.array(z.string()) }),
  readOnly: false,
  errors: ['script-not-found', 'path-escape', 'io-error'],
  http: { method: 'POST', path: '/api/scripts/:ref/rename' },
  run: (app, { ref, newSlug }) => {
    const res = app.transaction(() =>
      app.scripts.rename(ref, newSlug, (macro) => postsUsingMacro(app, macro)),
    );
    app.scriptsChanged();
    return res;
  },
});

export const deleteScript = workspaceUseCase({
  name: 'scripts.delete',
  description: 'Delete a script and its file.',
  input: z.object({ ref: ScriptRef }),
  output: z.object({ id: z.string(), slug: z.string() }),
  readOnly: false,
  errors: ['script-not-found', 'io-error'],
  http: { method: 'DELETE', path: '/api/scripts/:ref' },
  run: (app, { ref }) => {
    const res = app.transaction(() => app.scripts.delete(ref));
    app.scriptsChanged();
    return res;
  },
});

const ProblemList = z.array(
  z.object({ code: z.string(), message: z.string(), file: z.string(), line: z.number().optional() }),
);

export const rebuildScripts = workspaceUseCase({
  name: 'scripts.rebuild',
  description: 'Recreate the script index from scripts/*.py.',
  input: z.object({}),
  output: z.object({ indexed: z.number(), removed: z.number(), problems: ProblemList }),
  readOnly: false,
  errors: [],
  http: { method: 'POST', path: '/api/scripts/rebuild' },
  run: (app) => {
    const r = app.transaction(() => app.scripts.rebuildFromFiles());
    app.scriptsChanged();
    return r;
  },
});

export const checkScriptUseCase = workspaceUseCase({
  name: 'scripts.check',
  description:
    "Syntax errors with line and column (Python's own parser), top-level functions, entrypoint warnings.",
  input: z.object({
    ref: ScriptRef,
    code: z.string().optional().describe('check this text instead of the saved code (an editor, unsaved)'),
    kind: ScriptKindSchema.optional().describe('with `code`: the kind it is written for'),
    entrypoint: z.string().optional().describe('with `code`: the entrypoint it is written for'),
  }),
  output: ScriptCheckSchema.extend({ path: z.string(), slug: z.string(), warnings: z.array(z.string()) }),
  readOnly: true,
  errors: ['script-not-found', 'python-load-failed', 'python-timeout'],
  http: { method: 'POST', path: '/api/scripts/:ref/check' },
  run: async (app, { ref, code, kind, entrypoint }) => {
    const saved = app.scripts.get(ref);
    // Unsaved text is only parsed (Python's ast), never run: checking it needs no trust.
    const s = {
      ...saved,
      ...(code === undefined ? {} : { code }),
      ...(kind === undefined ? {} : { kind }),
      ...(entrypoint === undefined ? {} : { entrypoint }),
    };
    const r = await checkScript(app.python(), s);
    return { path: s.path, slug: s.slug, ...r };
  },
});

export const runScript = workspaceUseCase({
  name: 'scripts.run',
  description: "Run a utility script's main(context) with `params`; refuses untrusted scripts.",
  input: z.object({ ref: ScriptRef, params: z.record(z.string(), z.unknown()).optional() }),
  output: z.object({
    script: z.string(),
    status: z.enum(['ok', 'error', 'timeout', 'stopped']),
    value: z.unknown().optional(),
    error: z.object({ code: z.string(), message: z.string(), line: z.number().optional() }).optional(),
    stdout: z.string(),
    stderr: z.string(),
    durationMs: z.number(),
  }),
  readOnly: false,
  // The script's own bds_api calls take the write lock one by one; holding it for the whole run
  // would make those calls wait for the run that waits for them.
  serial: false,
  errors: ['script-not-found', 'script-untrusted', 'python-load-failed'],
  http: { method: 'POST', path: '/api/scripts/:ref/run' },
  run: (app, { ref, params }, ctx) => {
    const s = app.scripts.get(ref);
    if (s.kind !== 'utility') {
      throw new BdsError(
        'invalid-argument',
        `${s.slug} is a ${s.kind} script; only utility scripts run on their own`,
      );
    }
    return runUtility(app, app.python(), s, params ?? {}, ctx.onOutput, ctx.signal);
  },
});

const ApiReferenceEntrySchema = z.object({
  namespace: z.string(),
  name: z.string(),
  alias: z.string().optional(),
  params: z.array(
    z.object({ name: z.string(), type: z.string(), required: z.boolean(), description: z.string() }),
  ),
  returns: z.string(),
  readOnly: z.boolean(),
  description: z.string(),
});

export const apiReferenceUseCase = workspaceUseCase({
  name: 'scripts.apiReference',
  description:
    'The bds_api methods scripts can call: namespace, Python name, arguments, result and whether macros may call it (the source of docs/python-api.md).',
  input: z.object({}),
  output: z.array(ApiReferenceEntrySchema),
  readOnly: true,
  cacheable: true,
  errors: [],
  http: { method: 'GET', path: '/api/scripts-api' },
  run: (app) => app.apiReference(),
});

export const scriptRuns = workspaceUseCase({
  name: 'scripts.runs',
  description: 'The last runs of a script: start, duration, status, output and result.',
  input: z.object({ ref: ScriptRef }),
  output: z.array(
    z.object({
      scriptId: z.string(),
      startedAt: z.string(),
      durationMs: z.number(),
      status: z.enum(['ok', 'error', 'timeout', 'stopped']),
      output: z.string(),
      result: z.unknown().optional(),
    }),
  ),
  readOnly: true,
  errors: ['script-not-found'],
  http: { method: 'GET', path: '/api/scripts/:ref/runs' },
  run: (app, { ref }) => app.scripts.runs(ref),
});

export const SCRIPT_USE_CASES = [
  trustDiff,
  listScripts,
  getScript,
  createScript,
  updateScript,
  setScriptEnabled,
  trustScript,
  renameScript,
  deleteScript,
  rebuildScripts,
  checkScriptUseCase,
  runScript,
  scriptRuns,
  apiReferenceUseCase,
] as const;
