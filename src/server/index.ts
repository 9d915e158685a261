// The app server: the HTTP API generated from the use-case registry, the event stream, the web UI and
// the Pyodide files on the app origin, and the preview on an origin of its own, behind one door.
import type { Workspace } from '../app/index.js';
import type { AppServer, AppServerOptions } from './server.js';

export type { AppServer, AppServerOptions } from './server.js';

/**
 * Starts the app server. Its code (Hono, the routes, the static files) loads on the first call, so the
 * commands that never serve start without it.
 */
export async function startAppServer(ws: Workspace, options: AppServerOptions = {}): Promise<AppServer> {
  const server = await import('./server.js');
  return server.startAppServer(ws, options);
}
export { DEFAULT_APP_PORT, readServerFile, serverFilePath, type ServerFile } from './server-file.js';
export { STREAM_EVENTS, type StreamEvent } from './event-bridge.js';
export type { ApiErrorBody } from './api.js';
export type { UploadAnswer, UploadReplaceAnswer } from './upload.js';
