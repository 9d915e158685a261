// `bds serve`: the app (web UI, HTTP API, events) and the preview on 127.0.0.1, until Ctrl-C.
import { spawn } from 'node:child_process';
import { InvalidArgumentError, type Command } from 'commander';
import { DEFAULT_APP_PORT, startAppServer } from '../../server/index.js';
import type { CliContext } from '../context.js';

function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError(`must be a port number, not "${v}"`);
  return n;
}

/**
 * Opens `url` in the user's browser. The URL holds a one-time code, never the token: another user of
 * the machine can read a process's argv.
 */
function openBrowser(url: string, env: NodeJS.ProcessEnv): boolean {
  const command =
    process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer.exe' : 'xdg-open';
  if (process.platform === 'linux' && !env.DISPLAY && !env.WAYLAND_DISPLAY) return false;
  try {
    const child = spawn(command, [url], { stdio: 'ignore', detached: true });
    child.on('error', () => {});
    child.unref();
    return true;
  } catch {
    return false;
  }
}

export function serveCommands(program: Command, ctx: CliContext): void {
  program
    .command('serve')
    .description('run the bds app: web UI and HTTP API on 127.0.0.1, the preview on a port of its own')
    .option('--port <n>', `port of the app (default ${DEFAULT_APP_PORT}; 0 picks a free one)`, port)
    .option('--preview-port <n>', 'port of the preview (default: a free one)', port)
    .option(
      '--host <name>',
      'listen on another address than 127.0.0.1 (anyone who reaches it can try the door)',
    )
    .option('--no-open', 'do not open the browser')
    .action(async (opts: { port?: number; previewPort?: number; host?: string; open: boolean }) =>
      ctx.withWorkspace(async (ws) => {
        if (opts.host && !['127.0.0.1', 'localhost', '::1'].includes(opts.host)) {
          ctx.io.err(
            `warning: listening on ${opts.host}, not only on this machine. Whoever reaches it and learns the token can run your scripts and push to git; the preview stays on 127.0.0.1.`,
          );
        }
        const server = await startAppServer(ws, {
          ...(opts.port === undefined ? {} : { port: opts.port }),
          ...(opts.previewPort === undefined ? {} : { previewPort: opts.previewPort }),
          ...(opts.host ? { host: opts.host } : {}),
        });
        const opened = opts.open && !ctx.json() && openBrowser(server.launchUrl(), ctx.io.env);
        ctx.emit({ url: server.loginUrl, previewUrl: server.previewUrl, project: ws.root, opened }, () =>
          [
            `bds is serving "${ws.project.settings.name}" (${ws.root})`,
            `  app:     ${server.loginUrl}`,
            `  preview: ${server.previewUrl}`,
            opened
              ? 'Opened in your browser. Ctrl-C stops it.'
              : 'Open the app address above in your browser. Ctrl-C stops it.',
          ].join('\n'),
        );
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        await server.close();
      }),
    );
}
