// The project switcher's server side: one `bds serve` serves one project, so switching goes to the
// server of the other project, found by its server file, or started for it (a `bds serve` of its own,
// detached, that outlives this one) and awaited until its server file appears.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BdsError } from '../core/errors.js';
import { readServerFile, serverFilePath } from './server-file.js';

export interface OpenedProject {
  /** The app address with the token of that server: it signs the browser in there. */
  loginUrl: string;
  /** True when a server was started for it; false when one was already running. */
  started: boolean;
}

/** The CLI to start: the compiled one beside this file, or the TypeScript source through tsx. */
function cliCommand(): string[] {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const js = path.join(here, '..', 'cli', 'main.js');
  if (fs.existsSync(js)) return [js];
  return ['--import', 'tsx', path.join(here, '..', 'cli', 'main.ts')];
}

export async function openProjectServer(
  home: string,
  project: { id: string; dir: string },
  options: { timeoutMs?: number } = {},
): Promise<OpenedProject> {
  const running = readServerFile(home, project.id);
  if (running) return { loginUrl: `${running.url}?token=${running.token}`, started: false };

  const logDir = path.join(home, 'servers');
  fs.mkdirSync(logDir, { recursive: true, mode: 0o700 });
  const logFile = path.join(logDir, `${project.id}.log`);
  const log = fs.openSync(logFile, 'w', 0o600);
  try {
    const child = spawn(
      process.execPath,
      [...cliCommand(), '--project', project.dir, 'serve', '--no-open', '--port', '0', '--preview-port', '0'],
      { detached: true, stdio: ['ignore', log, log], env: { ...process.env, BDS_HOME: home } },
    );
    child.unref();
    let exited: number | null | undefined;
    child.once('exit', (code) => (exited = code));
    const deadline = Date.now() + (options.timeoutMs ?? 30_000);
    while (Date.now() < deadline) {
      const found = readServerFile(home, project.id);
      if (found && found.pid === child.pid) {
        return { loginUrl: `${found.url}?token=${found.token}`, started: true };
      }
      if (exited !== undefined) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const said = fs.readFileSync(logFile, 'utf8').trim().split('\n').slice(-5).join('\n');
    if (exited === undefined) child.kill();
    throw new BdsError(
      'io-error',
      `bds could not start a server for ${project.dir}${said ? `: ${said}` : ''}`,
      { file: serverFilePath(home, project.id) },
    );
  } finally {
    fs.closeSync(log);
  }
}
