// The app server: the HTTP API generated from the use-case registry, the event stream, the web UI and
// the Pyodide files on the app origin, and the preview on an origin of its own, behind one door.
export { startAppServer, type AppServer, type AppServerOptions } from './server.js';
export { DEFAULT_APP_PORT, readServerFile, serverFilePath, type ServerFile } from './server-file.js';
export { STREAM_EVENTS, type StreamEvent } from './event-bridge.js';
export type { ApiErrorBody } from './api.js';
export type { UploadAnswer, UploadReplaceAnswer } from './upload.js';
