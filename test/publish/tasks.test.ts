import { describe, expect, it } from 'vitest';
import { BdsError } from '../../src/core/errors.js';
import { runProcess } from '../../src/publish/ssh.js';
import { TaskRunner, type TaskEvents, type TaskInfo } from '../../src/publish/index.js';

function deferred<T = void>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const tick = () => new Promise((r) => setImmediate(r));

function record(runner: TaskRunner) {
  const events: [keyof TaskEvents, TaskInfo][] = [];
  for (const name of [
    'task-created',
    'task-started',
    'task-progress',
    'task-completed',
    'task-failed',
    'task-cancelled',
  ] as const) {
    runner.on(name, (t) => events.push([name, t]));
  }
  return events;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('task runner', () => {
  it('runs at most the concurrency limit at once and starts the next when one ends', async () => {
    const runner = new TaskRunner({ concurrency: 2 });
    const gates = [0, 1, 2, 3].map(() => deferred());
    const handles = gates.map((g, i) => runner.add({ name: `t${i}`, run: () => g.promise }));
    await tick();
    expect(runner.getRunning().map((t) => t.name)).toEqual(['t0', 't1']);
    expect(runner.getAll().map((t) => t.status)).toEqual(['running', 'running', 'pending', 'pending']);
    gates[0]!.resolve();
    await handles[0]!.done;
    await tick();
    expect(runner.getRunning().map((t) => t.name)).toEqual(['t1', 't2']);
    for (const g of gates) g.resolve();
    const outcomes = await Promise.all(handles.map((h) => h.done));
    expect(outcomes.map((o) => o.status)).toEqual(['completed', 'completed', 'completed', 'completed']);
  });

  it('reports created, started, progress and completed in order, and a failure with its message', async () => {
    const runner = new TaskRunner();
    const events = record(runner);
    const results = await runner.runGroup(
      [
        {
          name: 'works',
          run: (ctx) => {
            ctx.progress(40, 'halfway');
            return 42;
          },
        },
        {
          name: 'breaks',
          run: () => {
            throw new Error('disk full');
          },
        },
      ],
      { groupId: 'g1', groupName: 'Two jobs' },
    );
    expect(results.map((r) => [r.name, r.status, r.value])).toEqual([
      ['works', 'completed', 42],
      ['breaks', 'failed', undefined],
    ]);
    expect((results[1]!.error as Error).message).toBe('disk full');
    const works = events.filter(([, t]) => t.name === 'works');
    expect(works.map(([e]) => e)).toEqual([
      'task-created',
      'task-started',
      'task-progress',
      'task-completed',
    ]);
    expect(works[2]![1]).toMatchObject({
      progress: 40,
      message: 'halfway',
      groupId: 'g1',
      groupName: 'Two jobs',
    });
    expect(works[3]![1]).toMatchObject({ status: 'completed', progress: 100 });
    const failed = events.find(([e]) => e === 'task-failed')![1];
    expect(failed).toMatchObject({ name: 'breaks', status: 'failed', error: 'disk full' });
    expect(failed.endTime).toBeGreaterThanOrEqual(failed.startTime!);
  });

  it('throttles progress to one event per interval per task, and always sends the last value', async () => {
    let now = 1000;
    const runner = new TaskRunner({ now: () => now });
    const events = record(runner);
    await runner.runGroup([
      {
        name: 'busy',
        run: (ctx) => {
          for (let i = 1; i <= 100; i++) ctx.progress(i, `step ${i}`);
        },
      },
    ]);
    const progress = events.filter(([e]) => e === 'task-progress').map(([, t]) => [t.progress, t.message]);
    expect(progress).toEqual([
      [1, 'step 1'],
      [100, 'step 100'],
    ]);

    events.length = 0;
    await runner.runGroup([
      {
        name: 'slow',
        run: (ctx) => {
          for (let i = 1; i <= 5; i++) {
            ctx.progress(i * 20);
            now += 250;
          }
        },
      },
    ]);
    expect(events.filter(([e]) => e === 'task-progress').map(([, t]) => t.progress)).toEqual([
      20, 40, 60, 80, 100,
    ]);
  });

  it('a pending task cancelled never starts', async () => {
    const runner = new TaskRunner({ concurrency: 1 });
    const gate = deferred();
    let ran = false;
    const first = runner.add({ name: 'first', run: () => gate.promise });
    const second = runner.add({
      name: 'second',
      run: () => {
        ran = true;
      },
    });
    expect(runner.cancel(second.id)).toBe(true);
    expect(runner.get(second.id)?.status).toBe('cancelled');
    gate.resolve();
    await first.done;
    expect((await second.done).status).toBe('cancelled');
    expect(ran).toBe(false);
    expect(runner.cancel(second.id)).toBe(false);
  });

  it('cancelling a running task aborts its signal at once and kills its child process', async () => {
    const runner = new TaskRunner();
    const events = record(runner);
    let pid = 0;
    const started = deferred();
    const handle = runner.add({
      name: 'sleeper',
      run: async (ctx) => {
        const p = runProcess('sh', ['-c', 'echo $$; exec sleep 60'], {
          signal: ctx.signal,
          onLine: (line) => {
            pid = Number(line);
            started.resolve();
          },
        });
        return p;
      },
    });
    await started.promise;
    expect(alive(pid)).toBe(true);
    runner.cancel(handle.id);
    // The state changes before the process is gone; the outcome waits for the process.
    expect(runner.get(handle.id)?.status).toBe('cancelled');
    expect(events.map(([e]) => e)).toContain('task-cancelled');
    const outcome = await handle.done;
    expect(outcome.status).toBe('cancelled');
    expect(outcome.error).toBeInstanceOf(BdsError);
    expect((outcome.error as BdsError).code).toBe('task-cancelled');
    expect(alive(pid)).toBe(false);
    expect(events.map(([e]) => e)).not.toContain('task-completed');
  });

  it('cancelGroup cancels only the unfinished tasks of that group', async () => {
    const runner = new TaskRunner({ concurrency: 1 });
    const done = runner.add({ name: 'earlier', groupId: 'a', run: () => 'ok' });
    await done.done;
    const gate = deferred();
    const a1 = runner.add({
      name: 'a1',
      groupId: 'a',
      run: (ctx) =>
        new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason))),
    });
    const a2 = runner.add({ name: 'a2', groupId: 'a', run: () => 'never' });
    const b1 = runner.add({ name: 'b1', groupId: 'b', run: () => gate.promise });
    await tick();
    expect(runner.cancelGroup('a')).toBe(2);
    gate.resolve();
    expect((await a1.done).status).toBe('cancelled');
    expect((await a2.done).status).toBe('cancelled');
    expect((await b1.done).status).toBe('completed');
    expect(runner.get(done.id)?.status).toBe('completed');
  });

  it('clearCompleted forgets finished tasks and keeps running ones', async () => {
    const runner = new TaskRunner();
    const gate = deferred();
    const cleared: string[][] = [];
    runner.on('tasks-cleared', (e) => cleared.push(e.ids));
    const a = runner.add({ name: 'a', run: () => 1 });
    const b = runner.add({ name: 'b', run: () => gate.promise });
    await a.done;
    expect(runner.clearCompleted()).toBe(1);
    expect(cleared).toEqual([[a.id]]);
    expect(runner.getAll().map((t) => t.name)).toEqual(['b']);
    gate.resolve();
    await b.done;
  });
});
