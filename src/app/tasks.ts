// Running and recent tasks of the workspace (builds, publishes, rebuilds, pulls): their progress for the
// UI's tasks panel, and Cancel. A cancelled build or upload stops cleanly (see site/build.ts, publish).
import { z } from 'zod';
import { BdsError } from '../core/errors.js';
import { workspaceUseCase } from './use-case.js';

const TaskSchema = z.object({
  id: z.string(),
  name: z.string(),
  groupId: z.string().optional(),
  groupName: z.string().optional(),
  status: z.enum(['pending', 'running', 'completed', 'failed', 'cancelled']),
  progress: z.number(),
  message: z.string(),
  createdAt: z.number(),
  startTime: z.number().optional(),
  endTime: z.number().optional(),
  error: z.string().optional(),
});

export const listTasks = workspaceUseCase({
  name: 'tasks.list',
  description: 'Running and recent tasks (build, publish, rebuild, pull) with progress and result.',
  input: z.object({}),
  output: z.array(TaskSchema),
  readOnly: true,
  errors: [],
  http: { method: 'GET', path: '/api/tasks' },
  run: (app) => app.tasks.getAll(),
});

export const cancelTask = workspaceUseCase({
  name: 'tasks.cancel',
  description: 'Cancel a running or waiting task; it stops cleanly (files it wrote are whole).',
  input: z.object({ id: z.string().min(1) }),
  output: TaskSchema,
  readOnly: false,
  // Cancelling must not wait behind the write it cancels.
  serial: false,
  errors: ['task-not-found'],
  http: { method: 'POST', path: '/api/tasks/:id/cancel' },
  run: (app, { id }) => {
    const task = app.tasks.get(id);
    if (!task) throw new BdsError('task-not-found', `No task "${id}"`);
    app.tasks.cancel(id, 'cancelled by the user');
    return app.tasks.get(id) ?? task;
  },
});

export const TASK_USE_CASES = [listTasks, cancelTask] as const;
