// `bds tasks`: the tasks of the running app (`bds serve` of this project) — builds, publishes, rebuilds,
// pulls — with their progress, and `bds tasks cancel ID`. Tasks live in that process: the command asks
// it over its HTTP API with the token it keeps in BDS_HOME.
import type { Command } from 'commander';
import { BdsError, type OutputOf } from '../../app/index.js';
import { readServerFile } from '../../server/index.js';
import type { CliContext } from '../context.js';

type Task = OutputOf<'tasks.list'>[number];

function describeTask(t: Task): string {
  const took =
    t.startTime !== undefined ? ` ${Math.round(((t.endTime ?? Date.now()) - t.startTime) / 100) / 10} s` : '';
  const state = t.status === 'running' ? `${Math.round(t.progress)}% ${t.message}`.trim() : t.status;
  return `${t.id}  ${t.name}  ${state}${took}${t.error ? `  (${t.error})` : ''}`;
}

export function taskCommands(program: Command, ctx: CliContext): void {
  /** Calls the running app's API for this project, or says there is none. */
  const ask = (method: 'GET' | 'POST', apiPath: string) =>
    ctx.withWorkspace(async (ws) => {
      const running = readServerFile(ws.home, ws.project.settings.id);
      if (!running) {
        throw new BdsError(
          'invalid-argument',
          'No bds app is running for this project: tasks live in `bds serve`.',
        );
      }
      const res = await fetch(new URL(apiPath, running.url), {
        method,
        headers: { Authorization: `Bearer ${running.token}` },
      });
      const body = (await res.json()) as unknown;
      if (!res.ok) {
        const e = body as { code?: string; message?: string };
        throw new BdsError(
          e.code === 'task-not-found' ? 'task-not-found' : 'invalid-argument',
          e.message ?? `the app answered ${res.status}`,
        );
      }
      return body;
    });

  const tasks = program
    .command('tasks')
    .description("the running app's tasks (builds, publishes, rebuilds, pulls)");
  tasks
    .command('list', { isDefault: true })
    .description('running and recent tasks with progress and result')
    .action(async () => {
      // 'tasks.list' over HTTP: GET /api/tasks.
      const list = (await ask('GET', '/api/tasks')) as Task[];
      ctx.emit(list, () => (list.length === 0 ? 'No tasks.' : list.map(describeTask).join('\n')));
    });
  tasks
    .command('cancel <id>')
    .description('cancel a running or waiting task (it stops cleanly)')
    .action(async (id: string) => {
      // 'tasks.cancel' over HTTP: POST /api/tasks/:id/cancel.
      const t = (await ask('POST', `/api/tasks/${encodeURIComponent(id)}/cancel`)) as Task;
      ctx.emit(t, () => describeTask(t));
    });
}
