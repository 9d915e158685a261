// Compiling src/ into dist/, and knowing when that is needed. Plain JavaScript, so that it runs before
// anything is compiled. `node scripts/build.mjs` (npm run build) always builds; the launcher
// (scripts/bds.mjs) calls ensureBuilt(), which builds only when dist/ is missing or stale.
//
// A build runs tsc -p tsconfig.build.json, copies the default theme (src/render/theme/default), removes
// files in dist/ that it did not write (outputs of deleted or renamed sources), bundles the CLI into one
// file (dist/cli/bds.js: a new process loads one file instead of ~170 modules and their packages' many
// more, which halves its start), builds the web UI, and last writes a stamp:
// the signature of the inputs taken before tsc started. dist/ is current when the stamp matches the
// inputs now. The signature is the newest mtime (or ctime, so a rename or a file moved in with an old
// mtime counts) over every file under src/ and the root tsconfig*.json, package.json, package-lock.json
// and this file, with a hash of their paths (so a deleted or renamed file counts too). Names starting
// with "." (editor swap files) are neither inputs nor copied; the theme loader skips them as well.
// Build messages go to stderr only: stdout belongs to the CLI (--json).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);
export const ROOT = path.dirname(path.dirname(SELF));
const SRC = path.join(ROOT, 'src');
/** The web UI: web/src and its config, built by Vite into web/dist (served by `bds serve`). */
const WEB = path.join(ROOT, 'web');
const WEB_INPUTS = ['index.html', 'python-frame.html', 'vite.config.ts', 'tsconfig.json'];
export const DIST = path.join(ROOT, 'dist');
/** The compiled CLI (tsc's output), the entry of the bundle. */
const CLI_MAIN = path.join(DIST, 'cli', 'main.js');
/** The bundled CLI the launcher imports. */
export const CLI_ENTRY = path.join(DIST, 'cli', 'bds.js');
/** The rest of the CLI, bundled: CLI_ENTRY loads it once it started the work that runs beside loading. */
const CLI_RUN_MAIN = path.join(DIST, 'cli', 'run.js');
const CLI_RUN = path.join(DIST, 'cli', 'bds-run.js');
/**
 * Packages the bundle loads from node_modules at run time: native code (better-sqlite3, sharp), Pyodide
 * (which finds its files next to itself), and git's client, loaded on first use.
 */
const NOT_BUNDLED = ['better-sqlite3', 'pyodide', 'sharp', 'simple-git', 'transliteration'];
const THEME = path.join('render', 'theme', 'default');
const STAMP = path.join(DIST, '.build-stamp.json');
const LOCK = path.join(DIST, '.build-lock');
const ROOT_INPUTS = /^(tsconfig.*\.json|package\.json|package-lock\.json)$/;

export class BuildError extends Error {}

const log = (text) => process.stderr.write(`${text}\n`);

/** Files under `dir` (relative paths, sorted), skipping names that start with ".". */
function listFiles(dir, rel = '') {
  const out = [];
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    if (e.name.startsWith('.')) continue;
    const child = path.join(rel, e.name);
    if (e.isDirectory()) out.push(...listFiles(dir, child));
    else out.push(child);
  }
  return out.sort();
}

/** The signature of everything a build reads (a few milliseconds for src/). */
export function inputSignature() {
  const files = [
    ...listFiles(SRC).map((f) => path.join('src', f)),
    ...(fs.existsSync(path.join(WEB, 'src'))
      ? listFiles(path.join(WEB, 'src')).map((f) => path.join('web', 'src', f))
      : []),
    ...WEB_INPUTS.map((f) => path.join('web', f)),
    ...fs.readdirSync(ROOT).filter((f) => ROOT_INPUTS.test(f)),
    path.relative(ROOT, SELF),
  ];
  let newest = 0;
  for (const f of files) {
    const st = fs.statSync(path.join(ROOT, f), { throwIfNoEntry: false });
    if (!st) continue; // removed while we looked (an editor saving): the next check sees the new file
    newest = Math.max(newest, st.mtimeMs, st.ctimeMs);
  }
  const paths = createHash('sha256').update(files.join('\n')).digest('hex').slice(0, 16);
  return { newest, files: files.length, paths };
}

function readStamp() {
  try {
    return JSON.parse(fs.readFileSync(STAMP, 'utf8'));
  } catch {
    return null;
  }
}

/** Why dist/ needs a build, or null when it is current. */
export function staleReason(signature = inputSignature()) {
  if (!fs.existsSync(CLI_ENTRY) || !fs.existsSync(CLI_RUN)) return 'no dist/cli/bds.js yet';
  if (!fs.existsSync(path.join(WEB, 'dist', 'index.html'))) return 'no web/dist/index.html yet';
  const stamp = readStamp();
  if (!stamp) return 'dist/ has no stamp of a finished build';
  const same =
    stamp.newest === signature.newest && stamp.files === signature.files && stamp.paths === signature.paths;
  return same ? null : 'sources changed';
}

const isAlive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
};

/** Runs `fn` holding dist/.build-lock, so that two processes never build at once. */
async function withBuildLock(fn) {
  fs.mkdirSync(DIST, { recursive: true });
  let told = false;
  for (;;) {
    try {
      fs.writeFileSync(LOCK, String(process.pid), { flag: 'wx' });
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
    }
    let holder;
    try {
      holder = Number(fs.readFileSync(LOCK, 'utf8'));
    } catch {
      continue; // released meanwhile
    }
    if (!holder || !isAlive(holder)) {
      fs.rmSync(LOCK, { force: true }); // left by a build that was killed
      continue;
    }
    if (!told) log(`bds: waiting for the build of process ${holder}...`);
    told = true;
    await sleep(200);
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(LOCK, { force: true });
  }
}

/** tsc -p tsconfig.build.json; resolves to the absolute paths it wrote. Diagnostics go to stderr. */
function runTsc() {
  let tsc;
  try {
    tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  } catch {
    throw new BuildError('TypeScript is not installed; run `npm install` in ' + ROOT);
  }
  const args = [tsc, '-p', 'tsconfig.build.json', '--listEmittedFiles'];
  if (process.stderr.isTTY) args.push('--pretty');
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  // While tsc runs, a signal sent to this process stops tsc, then ends this process by that signal.
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  let stoppedBy = null;
  const onSignal = (signal) => {
    stoppedBy = signal;
    for (const s of signals) process.off(s, onSignal);
    child.kill(signal);
  };
  for (const s of signals) process.on(s, onSignal);
  const emitted = [];
  let rest = '';
  const takeLine = (line) => {
    if (line.startsWith('TSFILE: ')) emitted.push(path.resolve(ROOT, line.slice('TSFILE: '.length)));
    else process.stderr.write(`${line}\n`);
  };
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop();
    lines.forEach(takeLine);
  });
  return new Promise((resolve, reject) => {
    child.on('error', (e) => reject(new BuildError(`cannot run tsc: ${e.message}`)));
    child.on('close', (code, signal) => {
      if (rest) takeLine(rest);
      if (stoppedBy) {
        fs.rmSync(LOCK, { force: true });
        process.kill(process.pid, stoppedBy); // no listener left: the default action ends this process
        return;
      }
      for (const s of signals) process.off(s, onSignal);
      if (code === 0) resolve(emitted);
      else if (signal) reject(new BuildError(`tsc was killed by ${signal}`));
      else reject(new BuildError(`tsc failed (exit code ${code}); its errors are above`));
    });
  });
}

/** vite build of the web UI into web/dist. */
function runVite() {
  let vite;
  try {
    // vite/bin is not among the package's exports: find the package, then its bin.
    const main = createRequire(import.meta.url).resolve('vite');
    vite = path.join(main.slice(0, main.lastIndexOf(`${path.sep}dist${path.sep}`)), 'bin', 'vite.js');
  } catch {
    throw new BuildError('Vite is not installed; run `npm install` in ' + ROOT);
  }
  const child = spawn(
    process.execPath,
    [vite, 'build', '--config', path.join(WEB, 'vite.config.ts'), '--logLevel', 'warn'],
    {
      cwd: ROOT,
      // Vite's messages go to stderr too: stdout belongs to the CLI.
      stdio: ['ignore', process.stderr, 'inherit'],
    },
  );
  return new Promise((resolve, reject) => {
    child.on('error', (e) => reject(new BuildError(`cannot run vite: ${e.message}`)));
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else
        reject(
          new BuildError(`the web UI build failed (${signal ?? `exit code ${code}`}); its errors are above`),
        );
    });
  });
}

/**
 * Bundles the CLI into two files: CLI_ENTRY (dist/cli/main.js, small: it starts what can run while the
 * rest loads) and CLI_RUN (dist/cli/run.js and everything it imports). Every module's `import.meta.url` stays the
 * URL of its own file in dist/ (as a path relative to the bundle, so a moved folder still works): worker
 * threads, the themes and the web UI are found next to the modules as before.
 */
async function bundleCli() {
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    throw new BuildError('esbuild is not installed; run `npm install` in ' + ROOT);
  }
  const moduleUrls = {
    name: 'module-urls',
    setup(b) {
      b.onLoad({ filter: /\.js$/ }, async (args) => {
        if (!args.path.startsWith(DIST + path.sep)) return undefined;
        const source = await fs.promises.readFile(args.path, 'utf8');
        if (!source.includes('import.meta.url')) return { contents: source, loader: 'js' };
        const rel = path.relative(path.dirname(CLI_ENTRY), args.path).split(path.sep).join('/');
        const own = `new URL(${JSON.stringify(rel)}, import.meta.url).href`;
        return { contents: source.replaceAll('import.meta.url', own), loader: 'js' };
      });
    },
  };
  // The entry's `import('./run.js')` loads the bundle of the rest.
  const runBundle = {
    name: 'run-bundle',
    setup(b) {
      b.onResolve({ filter: /^\.\/run\.js$/ }, () => ({ path: './bds-run.js', external: true }));
    },
  };
  // zod's messages in 64 languages (a seventh of the bundle, parsed at every start): bds shows them in
  // English only, the one zod itself configures.
  const englishOnly = {
    name: 'zod-english-only',
    setup(b) {
      b.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, () => ({
        contents: 'export { default as en } from "./en.js";',
        loader: 'js',
      }));
    },
  };
  const common = {
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: NOT_BUNDLED,
    logLevel: 'error',
  };
  try {
    await esbuild.build({
      ...common,
      entryPoints: [CLI_RUN_MAIN],
      outfile: CLI_RUN,
      plugins: [moduleUrls, englishOnly],
      // The packages written as CommonJS require Node's modules: give them a require.
      banner: {
        js: "import { createRequire as bdsCreateRequire } from 'node:module';\nconst require = bdsCreateRequire(import.meta.url);",
      },
    });
    await esbuild.build({
      ...common,
      entryPoints: [CLI_MAIN],
      outfile: CLI_ENTRY,
      plugins: [runBundle, moduleUrls],
    });
  } catch (e) {
    throw new BuildError(`bundling the CLI failed: ${e.message}`);
  }
}

/** Copies the default theme into dist/; returns the absolute paths written. */
function copyTheme() {
  const from = path.join(SRC, THEME);
  const to = path.join(DIST, THEME);
  return listFiles(from).map((f) => {
    fs.mkdirSync(path.dirname(path.join(to, f)), { recursive: true });
    fs.copyFileSync(path.join(from, f), path.join(to, f));
    return path.join(to, f);
  });
}

/** Removes files under dist/ that this build did not write, then empty folders. */
function prune(keep, dir = DIST) {
  let left = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (prune(keep, p) === 0) fs.rmdirSync(p);
      else left++;
    } else if (keep.has(p)) left++;
    else fs.rmSync(p, { force: true });
  }
  return left;
}

async function buildNow() {
  const signature = inputSignature();
  fs.rmSync(STAMP, { force: true }); // an interrupted or failed build leaves dist/ stale
  const emitted = await runTsc();
  // Guard for prune(): the paths tsc reports must be the ones under DIST.
  if (!emitted.includes(CLI_MAIN)) throw new BuildError(`tsc did not write ${CLI_MAIN}`);
  const written = new Set([...emitted, ...copyTheme(), LOCK, CLI_ENTRY, CLI_RUN]);
  prune(written);
  await bundleCli();
  await runVite();
  fs.writeFileSync(STAMP, `${JSON.stringify(signature)}\n`);
}

/** A full build (npm run build). */
export async function build() {
  await withBuildLock(buildNow);
}

/**
 * Builds when dist/ is missing or stale (telling so on stderr); returns quickly when it is current.
 * Throws BuildError when the build fails.
 */
export async function ensureBuilt() {
  if (staleReason() === null) return;
  await withBuildLock(async () => {
    const reason = staleReason(); // another process may have built it while we waited
    if (reason === null) return;
    const started = Date.now();
    log(`bds: compiling src/ into dist/ and web/ into web/dist/ (${reason})...`);
    await buildNow();
    log(`bds: compiled in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });
}

/** True when this file is the script node was started with (not imported). */
function isMain() {
  try {
    return fs.realpathSync(process.argv[1] ?? '') === SELF;
  } catch {
    return false;
  }
}

if (isMain()) {
  try {
    await build();
  } catch (e) {
    if (!(e instanceof BuildError)) throw e;
    log(`build: ${e.message}`);
    process.exitCode = 1;
  }
}
