// The error catalogue: every failure bds reports has a stable code, a message that says what happened
// and why, a hint that says what to do, and the file/line/column when content caused it.

export interface SourcePosition {
  file?: string;
  line?: number;
  column?: number;
}

export interface CatalogueEntry {
  title: string;
  hint: string;
}

/** One entry per error code. Codes are permanent: tools and tests match on them. */
export const ERROR_CATALOGUE = {
  'project-not-found': {
    title: 'Project not found',
    hint: 'Open an existing project folder, or create one (for example with `bds init DIR`).',
  },
  'project-invalid': {
    title: 'Invalid project settings',
    hint: 'Fix bds.json at the place named; the project opens again once it is fixed.',
  },
  'settings-invalid': {
    title: 'Invalid setting',
    hint: 'Fix the value in the file shown (bds.json, or this machine’s settings in BDS_HOME), or set it with `bds config set KEY VALUE`; bds uses the default meanwhile.',
  },
  'settings-moved': {
    title: 'Setting moved to this machine',
    hint: 'It is now kept per project on this machine in BDS_HOME, so a pulled bds.json cannot change how Python runs; change it with `bds config set pythonRuntimeMode ...` (likewise for the pool size and timeouts), and delete it from bds.json.',
  },
  'project-exists': { title: 'Project already exists', hint: 'Choose an empty folder.' },
  'project-busy': {
    title: 'Project is busy',
    hint: 'Another bds process (another terminal or the app server) is writing this project; wait a moment and try again. How long a write waits for its turn is BDS_LOCK_TIMEOUT_MS (milliseconds, default 10000).',
  },
  'frontmatter-yaml': {
    title: 'Malformed YAML frontmatter',
    hint: 'Fix the YAML between the --- lines at the line shown.',
  },
  'frontmatter-invalid': {
    title: 'Invalid frontmatter',
    hint: 'Fix the field named in the message; other posts still load.',
  },
  'file-encoding': { title: 'File is not valid UTF-8', hint: 'Save the file as UTF-8.' },
  'file-too-large': { title: 'File too large', hint: 'Split the content into smaller files.' },
  'file-unreadable': {
    title: 'File or folder cannot be read',
    hint: 'Check its permissions (bds needs to read it) or what it is (a pipe or device is never content); the rest of the project loads meanwhile.',
  },
  'file-symlink': {
    title: 'Symbolic link not followed',
    hint: 'Put the file (or folder) itself in its place: bds reads content only from regular files inside the project, so a link cannot pull in a file from elsewhere, and rebuilds and the live index agree.',
  },
  'post-empty': {
    title: 'Empty post file',
    hint: 'Write the post (frontmatter between --- lines, then the text) or delete the file; an empty file has no date of its own (a clone or a touch would move it), so bds does not load it.',
  },
  'meta-invalid': {
    title: 'Invalid metadata file',
    hint: 'Fix the file of meta/ at the line shown (tags.json is a list of {"name", "color"}, categories.json an object of categories); bds uses no metadata from it meanwhile and never writes over it.',
  },
  'index-unavailable': {
    title: 'Index cannot be opened',
    hint: 'Check that the .bds/ folder is writable and that no other program holds the index open; bds resets the index only when SQLite says it is corrupt, never for this.',
  },
  'path-escape': {
    title: 'Path leaves the project',
    hint: 'Slugs and file names may not contain "..", "/" or "\\".',
  },
  'duplicate-id': { title: 'Duplicate id', hint: 'Give one of the files a new id (or delete its id line).' },
  'duplicate-slug': { title: 'Duplicate slug', hint: 'Change the slug in one of the files.' },
  'post-not-found': { title: 'Post not found', hint: 'Check the slug or id with `bds post list`.' },
  'post-invalid': { title: 'Invalid post data', hint: 'Fix the value named in the message.' },
  'post-state': { title: 'Operation not possible in this state', hint: 'Check the post status.' },
  'media-not-found': { title: 'Media not found', hint: 'Check the id with `bds media list`.' },
  'media-import': { title: 'Media import failed', hint: 'Check that the file exists and is readable.' },
  'tag-not-found': { title: 'Tag not found', hint: 'Check the name with `bds tag list`.' },
  'category-not-found': { title: 'Category not found', hint: 'Check the name with `bds category list`.' },
  'script-not-found': { title: 'Script not found', hint: 'Check the name with `bds script list`.' },
  'script-fallback': {
    title: 'Script frontmatter value replaced by a default',
    hint: 'Fix the field in the docstring at the top of the script; bds used a safe default meanwhile.',
  },
  'script-untrusted': {
    title: 'Script not trusted',
    hint: 'Read the script, then run `bds script trust NAME` to allow it to run.',
  },
  'api-unknown-method': { title: 'Unknown bds_api method', hint: 'See docs/python-api.md for the methods.' },
  'api-read-only': {
    title: 'Read-only in macros',
    hint: 'Rendering never changes the blog: call write methods from a utility script.',
  },
  'invalid-argument': {
    title: 'Invalid argument',
    hint: 'Fix the value the message names (in a terminal, `--help` lists what a command accepts).',
  },
  'io-error': { title: 'File system error', hint: 'Check permissions and free disk space.' },
  internal: { title: 'Internal error', hint: 'This is a bug in bds; please report it with the message.' },
  'macro-syntax': {
    title: 'Malformed macro',
    hint: 'Write macros as [[name key="value" n=42 flag]] on one line, or escape them as \\[[...]] to show the text.',
  },
  'macro-unknown': {
    title: 'Unknown macro',
    hint: 'Create and enable a macro script with this slug, or escape the text as \\[[...]] if it is not a macro.',
  },
  'macro-warning': { title: 'Macro warning', hint: 'The macro script reported it; see its message.' },
  'macro-failed': {
    title: 'Macro failed',
    hint: 'Fix the parameters or the script named in the message; the page renders without this macro meanwhile.',
  },
  'link-unresolved': {
    title: 'Link to a missing post',
    hint: 'Check the slug in the link (/post/SLUG), or publish the post it points to.',
  },
  'media-unresolved': {
    title: 'Link to a missing media file',
    hint: 'Check the path (media/YYYY/MM/NAME) against `bds media list`.',
  },
  'python-load-failed': {
    title: 'Python runtime failed to start',
    hint: 'Check that the pyodide package is installed (npm install); the message says what failed.',
  },
  'python-syntax': {
    title: 'Python syntax error',
    hint: 'Fix the script at the line and column shown (Check Syntax lists every error it finds).',
  },
  'python-entrypoint': {
    title: 'Script entrypoint missing',
    hint: 'Define the function named in the message at the top level of the script, or change its entrypoint.',
  },
  'python-error': {
    title: 'Python script raised an error',
    hint: 'Fix the script at the line shown; the Python traceback is in the details.',
  },
  'python-invalid-input': {
    title: 'Invalid data for a Python script',
    hint: 'This is a bug in the caller: the field named in the message does not match ABI v1.',
  },
  'python-invalid-result': {
    title: 'Python script returned an invalid result',
    hint: 'Return the shape the script kind expects; the message names the field that is wrong.',
  },
  'python-timeout': {
    title: 'Python script timed out',
    hint: 'Make the script faster or look for an endless loop; it was stopped at the time limit.',
  },
  'python-crashed': {
    title: 'Python runtime crashed',
    hint: 'The script exhausted memory or broke the runtime; a fresh runtime takes over for the next request.',
  },
  'python-runtime-closed': {
    title: 'Python runtime closed',
    hint: 'The runtime was disposed while the request waited; run it again on an open runtime.',
  },
  'git-not-a-repo': {
    title: 'Not a git repository',
    hint: 'Run `bds git init` (optionally with --remote URL) to make the project a repository.',
  },
  'git-failed': {
    title: 'Git action failed',
    hint: "Read git's message above; `bds git status` shows the state of the project's repository.",
  },
  'auth-required': {
    title: 'Authentication required',
    hint: 'Load your SSH key into the agent (ssh-add) or set identityFile with `bds publish config`; bds never asks for passwords.',
  },
  network: {
    title: 'Network failure',
    hint: 'Check the connection and that the host and port are right, then try again.',
  },
  'publish-not-configured': {
    title: 'Publishing is not configured',
    hint: 'Run `bds publish config --host HOST --user USER --path REMOTE_PATH`.',
  },
  'publish-config-invalid': {
    title: 'Invalid publishing settings',
    hint: 'Fix the field named in the message in meta/publishing.json, or rewrite it with `bds publish config`.',
  },
  'site-not-built': {
    title: 'The site has not been built',
    hint: 'Build the site first (it writes html/), then publish.',
  },
  'publish-failed': {
    title: 'Upload failed',
    hint: 'Read the message of the failed part; nothing secret is logged. Run the publish again once fixed.',
  },
  'task-cancelled': { title: 'Cancelled', hint: 'The task was cancelled; run it again when you want.' },
  'task-not-found': {
    title: 'Task not found',
    hint: 'Tasks live in the running app and are forgotten when it stops; `bds tasks` lists them.',
  },
  'media-layout': {
    title: 'Media file outside the media/YYYY/MM/ID.ext layout',
    hint: 'bds names media files by id; import the file with `bds media import FILE` instead of placing it by hand.',
  },
  'media-no-sidecar': {
    title: 'Media file without a sidecar',
    hint: 'Import the file with `bds media import FILE` (an interrupted import can leave one behind), or delete it.',
  },
  'media-thumbnail': {
    title: 'Thumbnail could not be made',
    hint: 'The image could not be decoded: check that it opens in an image viewer, or import it again.',
  },
  'template-error': {
    title: 'Template error',
    hint: 'Fix the Liquid template at the file and line shown; `{{ variable }}`, `{% tag %}` and filters follow liquidjs.',
  },
  'template-not-found': {
    title: 'Template not found',
    hint: 'User templates are templates/NAME.liquid; bds_api.templates.list() shows every name.',
  },
  'site-strict': {
    title: 'Macro failures in a strict build',
    hint: 'Fix the macros listed (or the scripts they call), or build without --strict to render them empty.',
  },
  'site-cache-changed': {
    title: 'The render cache changed during the build',
    hint: 'Another build emptied .bds/render-cache.sqlite while this one read it: build again.',
  },
  'site-route-conflict': {
    title: 'Two things want the same URL',
    hint: 'Change the slug of the page (or the name of the tag) named in the message; the first one keeps the URL.',
  },
  'site-no-public-url': {
    title: 'No public URL',
    hint: 'Set "publicUrl" in bds.json (e.g. "https://example.org") so the sitemap and feeds carry absolute links.',
  },
  'theme-not-found': {
    title: 'Theme not found',
    hint: 'Set "theme" in bds.json to "default", or put templates in templates/ to change the look.',
  },
  'preview-port-in-use': {
    title: 'Port already in use',
    hint: 'Stop the other program on this port or pick another with --port N.',
  },
  'push-rejected': {
    title: 'Push rejected by the remote',
    hint: 'The remote has commits you do not have: pull first (`bds git pull`), then push again. Nothing was sent.',
  },
  'remote-unreachable': {
    title: 'Remote repository not found',
    hint: 'Check the remote URL with `git remote -v`: the repository it names does not exist, has moved, or cannot be read.',
  },
  'git-conflict': {
    title: 'Git conflict',
    hint: "Someone else's changes clash with yours: pull first, resolve the files git names, commit, then try again.",
  },
  'api-error': {
    title: 'bds_api call failed',
    hint: 'The message says what went wrong in the host; fix the arguments or the state it names.',
  },
  'invalid-call': {
    title: 'Malformed bds_api call',
    hint: 'Call bds_api through its generated methods (e.g. bds_api.posts.list()); arguments must be JSON values.',
  },
  'blogmark-invalid': {
    title: 'Blogmark refused',
    hint: 'A blogmark takes an http or https address of at most 2048 characters, a title of at most 200 characters without control characters (empty: the address’s host), and a selection of at most 10,000 characters; fix the field named.',
  },
  'api-unavailable': {
    title: 'bds_api not available here',
    hint: 'This call cannot be answered in this kind of run (app.toast, for one, only in the transforms a blogmark capture runs).',
  },
  'api-thread-failed': {
    title: 'bds_api helper thread failed',
    hint: 'In main-thread mode, bds_api calls that wait (git, publishing, a site build, a capture, a media replace) run in a helper thread, and it stopped before answering; the message says why. Run the script again; if it keeps failing, use the worker mode (`bds config set pythonRuntimeMode worker`).',
  },
  'site-worker-failed': {
    title: 'Page rendering thread failed',
    hint: 'The build stopped; run it again. If it keeps failing, the message names what the thread could not do.',
  },
  'missing-token': {
    title: 'Not signed in to this bds server',
    hint: 'Open the address `bds serve` printed (it carries this run’s token once), or send the token from BDS_HOME/servers/ as `Authorization: Bearer ...`.',
  },
  'wrong-token': {
    title: 'Wrong token',
    hint: 'The server makes a new token every time it starts: open the address it printed this time.',
  },
  'forbidden-host': {
    title: 'Wrong host name',
    hint: 'Reach the server as http://127.0.0.1:PORT or http://localhost:PORT; other names are refused (DNS rebinding).',
  },
  'forbidden-origin': {
    title: 'Request from another origin',
    hint: 'Only the bds app itself may call its API; pages of other sites and the preview cannot.',
  },
  'cross-site': {
    title: 'Cross-site request',
    hint: 'Only the bds app itself may load this; open it from the address `bds serve` printed.',
  },
  'payload-too-large': {
    title: 'Request too large',
    hint: 'Send less at once: a post holds at most 10 MB; split a large import into several.',
  },
  'route-not-found': {
    title: 'No such API route',
    hint: 'The API has one route per use case; `bds call --list` names them, and GET /api/routes lists their paths.',
  },
} as const satisfies Record<string, CatalogueEntry>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/**
 * The HTTP status each error maps to in the API: 400 bad input, 404 not found, 409 a state or
 * another writer in the way, 422 content that cannot be used as it is, 502/504 a remote or a script
 * that failed, 500 a fault of bds or the machine.
 */
export const HTTP_STATUS = {
  'project-not-found': 404,
  'project-invalid': 422,
  'settings-invalid': 422,
  'settings-moved': 422,
  'project-exists': 409,
  'project-busy': 409,
  'frontmatter-yaml': 422,
  'frontmatter-invalid': 422,
  'file-encoding': 422,
  'file-too-large': 413,
  'file-unreadable': 500,
  'file-symlink': 422,
  'post-empty': 422,
  'meta-invalid': 422,
  'index-unavailable': 503,
  'path-escape': 400,
  'duplicate-id': 409,
  'duplicate-slug': 409,
  'post-not-found': 404,
  'post-invalid': 400,
  'post-state': 409,
  'media-not-found': 404,
  'media-import': 422,
  'tag-not-found': 404,
  'category-not-found': 404,
  'script-not-found': 404,
  'task-not-found': 404,
  'script-fallback': 422,
  'script-untrusted': 403,
  'api-unknown-method': 404,
  'api-read-only': 403,
  'invalid-argument': 400,
  'io-error': 500,
  internal: 500,
  'macro-syntax': 422,
  'macro-unknown': 422,
  'macro-warning': 422,
  'macro-failed': 422,
  'link-unresolved': 422,
  'media-unresolved': 422,
  'python-load-failed': 500,
  'python-syntax': 422,
  'python-entrypoint': 422,
  'python-error': 422,
  'python-invalid-input': 500,
  'python-invalid-result': 422,
  'python-timeout': 504,
  'python-crashed': 500,
  'python-runtime-closed': 503,
  'git-not-a-repo': 409,
  'git-failed': 502,
  'auth-required': 502,
  network: 502,
  'publish-not-configured': 409,
  'publish-config-invalid': 422,
  'site-not-built': 409,
  'publish-failed': 502,
  'task-cancelled': 409,
  'media-layout': 422,
  'media-no-sidecar': 422,
  'media-thumbnail': 422,
  'template-error': 422,
  'template-not-found': 404,
  'site-strict': 422,
  'site-cache-changed': 409,
  'site-route-conflict': 422,
  'site-no-public-url': 422,
  'theme-not-found': 422,
  'preview-port-in-use': 409,
  'push-rejected': 409,
  'remote-unreachable': 502,
  'git-conflict': 409,
  'api-error': 500,
  'invalid-call': 400,
  'blogmark-invalid': 400,
  'api-unavailable': 409,
  'api-thread-failed': 500,
  'site-worker-failed': 500,
  'missing-token': 401,
  'wrong-token': 401,
  'forbidden-host': 403,
  'forbidden-origin': 403,
  'cross-site': 403,
  'payload-too-large': 413,
  'route-not-found': 404,
} as const satisfies Record<ErrorCode, number>;

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CATALOGUE, code);
}

/** A failure as the HTTP API answers it (and its typed client reads it). */
export interface ErrorBody extends SourcePosition {
  code: string;
  message: string;
  hint?: string;
}

export interface BdsErrorOptions extends SourcePosition {
  cause?: unknown;
  hint?: string;
  details?: Record<string, unknown>;
}

export class BdsError extends Error {
  readonly code: ErrorCode;
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
  readonly hint: string;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: BdsErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BdsError';
    this.code = code;
    this.file = options.file;
    this.line = options.line;
    this.column = options.column;
    this.hint = options.hint ?? ERROR_CATALOGUE[code].hint;
    this.details = options.details;
  }

  /** `file:line:col` when known, else ''. */
  get location(): string {
    return locationOf(this);
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      hint: this.hint,
      file: this.file,
      line: this.line,
      column: this.column,
      details: this.details,
    };
  }
}

export function isBdsError(e: unknown): e is BdsError {
  return e instanceof BdsError;
}

/** `file:line:col` of a position, or '' without a file. */
export function locationOf(pos: SourcePosition): string {
  if (!pos.file) return '';
  let loc = pos.file;
  if (pos.line !== undefined) loc += `:${pos.line}`;
  if (pos.line !== undefined && pos.column !== undefined) loc += `:${pos.column}`;
  return loc;
}

/**
 * `file:line:col: message`. Many messages already start with their file (`a.md:4: ...`, so that they
 * read well alone): that prefix is dropped here, so the path is printed once, with the full position.
 */
export function withLocation(pos: SourcePosition, message: string): string {
  const loc = locationOf(pos);
  if (!loc) return message;
  if (!pos.file || !message.startsWith(pos.file)) return `${loc}: ${message}`;
  const after = message.slice(pos.file.length);
  const prefix = /^(?::\d+){0,2}:\s*/.exec(after);
  if (prefix) return `${loc}: ${after.slice(prefix[0].length)}`;
  // `a.md is 50 MB`: a sentence about the file; the line, if any, goes with its name.
  if (/^\s/.test(after)) return pos.line === undefined ? message : `${loc}: ${after.trim()}`;
  return `${loc}: ${message}`;
}

// C0 and C1 controls (but tab and newline) and the bidirectional overrides: a NUL or an escape
// sequence from a file's bytes must not garble or fake terminal output.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** The text with control characters written as `\x00` / `\u202e`, for printing. */
export function escapeControl(text: string): string {
  return text.replace(CONTROL, (c) => {
    const code = c.charCodeAt(0);
    return code < 0x100
      ? `\\x${code.toString(16).padStart(2, '0')}`
      : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** A human report: `file:line:col: message` then the cause chain, then the hint. */
export function formatError(e: unknown): string {
  if (!(e instanceof Error)) return escapeControl(String(e));
  const lines: string[] = [];
  lines.push(e instanceof BdsError ? withLocation(e, e.message) : e.message);
  let cause: unknown = e.cause;
  while (cause instanceof Error) {
    lines.push(`  caused by: ${cause.message}`);
    cause = cause.cause;
  }
  if (e instanceof BdsError) lines.push(`  hint: ${e.hint}`);
  return escapeControl(lines.join('\n'));
}

/** One line of `bds problems`: `file:line: message [code]`, printable. */
export function formatProblem(
  p: Pick<Problem, 'file' | 'line' | 'column' | 'message'> & { code: string },
): string {
  return escapeControl(`${withLocation(p, p.message)} [${p.code}]`);
}

/** A problem found while loading content: reported, never fatal for the rest of the project. */
export interface Problem {
  code: ErrorCode;
  message: string;
  file: string;
  line?: number;
  column?: number;
}

export function problemFrom(e: unknown, file: string): Problem {
  if (e instanceof BdsError) {
    return { code: e.code, message: e.message, file: e.file ?? file, line: e.line, column: e.column };
  }
  const errno = fsErrorCode(e);
  if (errno)
    return {
      code: errno === 'EACCES' || errno === 'EPERM' ? 'file-unreadable' : 'io-error',
      message: fsErrorMessage(file, e),
      file,
    };
  return { code: 'internal', message: e instanceof Error ? e.message : String(e), file };
}

/** The `EACCES`-style code of a Node file-system error, else undefined. */
export function fsErrorCode(e: unknown): string | undefined {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return e instanceof Error && typeof code === 'string' && /^E[A-Z]+$/.test(code) ? code : undefined;
}

/** `posts/a.md cannot be read (EACCES: permission denied)`: the project path, not Node's absolute one. */
export function fsErrorMessage(file: string, e: unknown): string {
  const code = fsErrorCode(e) ?? 'error';
  const reason = (e as Error).message.replace(/^E[A-Z]+: /, '').replace(/,.*$/, '');
  return `${file} cannot be read (${code}: ${reason})`;
}

/** A file-system error met while reading project content, as a catalogue error naming the file. */
export function unreadableError(file: string, e: unknown): BdsError {
  const code = fsErrorCode(e);
  return new BdsError(
    code === 'EACCES' || code === 'EPERM' ? 'file-unreadable' : 'io-error',
    fsErrorMessage(file, e),
    {
      file,
      cause: e,
    },
  );
}
