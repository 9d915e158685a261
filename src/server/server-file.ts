// How other bds commands find a running server: BDS_HOME/servers/PROJECT-ID.json, readable by the user
// only (mode 0600), since it holds the run's token. Removed when the server stops.
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../core/atomic.js';

/** The app server's port unless told otherwise (here, apart from the server, for commands that only read it). */
export const DEFAULT_APP_PORT = 4120;

export interface ServerFile {
  pid: number;
  url: string;
  previewUrl: string;
  project: string;
  token: string;
}

export function serverFilePath(home: string, projectId: string): string {
  return path.join(home, 'servers', `${projectId}.json`);
}

export function writeServerFile(home: string, projectId: string, data: ServerFile): string {
  const file = serverFilePath(home, projectId);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  writeFileAtomic(file, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600, durable: false });
  return file;
}

/** The running server of a project, if its file is there and its process lives. */
export function readServerFile(home: string, projectId: string): ServerFile | undefined {
  try {
    const data = JSON.parse(fs.readFileSync(serverFilePath(home, projectId), 'utf8')) as ServerFile;
    process.kill(data.pid, 0);
    return data;
  } catch {
    return undefined;
  }
}

/** Removes the file unless another server has written its own since (same project, later start). */
export function removeServerFile(file: string, token: string): void {
  try {
    const data = JSON.parse(fs.readFileSync(file, 'utf8')) as ServerFile;
    if (data.token === token) fs.rmSync(file, { force: true });
  } catch {
    // Gone already.
  }
}
