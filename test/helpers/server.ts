// A real app server over a project written inline, and raw HTTP requests with any headers (fetch will not
// send a forged Host or Sec-Fetch-* header, an attacker's client will).
import http from 'node:http';
import { Workspace } from '../../src/app/index.js';
import { BdsClient } from '../../src/client/index.js';
import { startAppServer, type AppServer, type AppServerOptions } from '../../src/server/index.js';
import { tempDir, writeProject } from './project.js';

export interface ServedProject {
  root: string;
  home: string;
  ws: Workspace;
  server: AppServer;
  /** The typed client, signed in with the token. */
  client: BdsClient;
  close(): Promise<void>;
}

export async function serveProject(
  files: Record<string, string | Uint8Array> = {},
  options: AppServerOptions & { prepare?: (root: string) => void } = {},
): Promise<ServedProject> {
  const { prepare, ...serverOptions } = options;
  const root = writeProject(files);
  prepare?.(root);
  const home = tempDir('bds-home-');
  const ws = Workspace.open(root, { home, watch: true });
  await ws.watching();
  const server = await startAppServer(ws, { port: 0, writeServerFile: false, ...serverOptions });
  const client = new BdsClient({ baseUrl: server.url, token: server.token });
  return {
    root,
    home,
    ws,
    server,
    client,
    async close() {
      await server.close();
      await ws.close();
    },
  };
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface RawRequest {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Stop reading after the headers of a 200 (event streams never end); a refusal is read whole. */
  headOnly?: boolean;
}

/** One request exactly as given (Host included) to 127.0.0.1:port. */
export function raw(port: number, req: RawRequest): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const r = http.request(
      {
        host: '127.0.0.1',
        port,
        method: req.method ?? 'GET',
        path: req.path,
        headers: { host: `127.0.0.1:${port}`, ...req.headers },
        setHost: false,
      },
      (res) => {
        if (req.headOnly && res.statusCode === 200) {
          res.destroy();
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: '' });
          return;
        }
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
        res.on('error', reject);
      },
    );
    r.on('error', reject);
    r.end(req.body);
  });
}

/** A JSON body's `code`, or '' when the body is not JSON. */
export function codeOf(res: RawResponse): string {
  try {
    return (JSON.parse(res.body) as { code?: string }).code ?? '';
  } catch {
    return '';
  }
}
