// The helper thread of main-thread mode, seen from the thread that blocks on it: its events arrive
// before its answer, a helper that dies fails the call with a clear error instead of a hang, and a
// call past its time limit stops waiting and tells the helper. The helpers here are real threads
// whose code misbehaves on purpose; the real helper runs in test/app/python-e2e.test.ts.
import { afterEach, expect, it } from 'vitest';
import { UseCaseThread, type FromUseCaseThread } from '../../src/app/use-case-thread.js';
import type { BdsError } from '../../src/core/errors.js';

/** A helper's code: CommonJS evaluated in the thread, with `post(message)` to answer the caller. */
function helper(onMessage: string): { filename: string; evaluate: boolean } {
  return {
    evaluate: true,
    filename: `
      const { workerData } = require('node:worker_threads');
      const words = new Int32Array(workerData.signal);
      const post = (m) => { workerData.port.postMessage(m); Atomics.add(words, 0, 1); Atomics.notify(words, 0); };
      workerData.port.on('message', (m) => {
        if (m.type === 'close') return workerData.port.close();
        ${onMessage}
      });
    `,
  };
}

const threads: UseCaseThread[] = [];
afterEach(async () => {
  for (const t of threads.splice(0)) await t.close();
});

function thread(
  entry: { filename: string; evaluate: boolean },
  onEvent: (m: Extract<FromUseCaseThread, { type: 'event' }>) => void = () => {},
): UseCaseThread {
  const t = new UseCaseThread('/no/project', {}, onEvent, entry);
  threads.push(t);
  return t;
}

const patient = { interrupted: () => false };

function failure(fn: () => unknown): BdsError {
  try {
    fn();
  } catch (e) {
    return e as BdsError;
  }
  throw new Error('expected the call to fail');
}

it("passes the helper's events on before its answer returns", () => {
  const seen: string[] = [];
  const t = thread(
    helper(`
      if (m.type !== 'call') return;
      post({ type: 'event', name: 'git-changed', payload: {} });
      post({ type: 'answer', id: m.id, ok: true, value: { asked: m.name, input: m.input } });
    `),
    (m) => seen.push(m.name),
  );
  expect(t.callBlocking('git.commit', { message: 'x' }, 0, patient)).toEqual({
    asked: 'git.commit',
    input: { message: 'x' },
  });
  expect(seen).toEqual(['git-changed']);
});

it('a failed use case reaches the caller as the same catalogue error', () => {
  const t = thread(
    helper(`
      if (m.type === 'call') post({ type: 'answer', id: m.id, ok: false,
        error: { code: 'push-rejected', message: 'the remote has new commits', hint: 'pull first', details: { remote: 'origin' } } });
    `),
  );
  expect(failure(() => t.callBlocking('git.push', {}, 0, patient))).toMatchObject({
    code: 'push-rejected',
    message: 'the remote has new commits',
    hint: 'pull first',
    details: { remote: 'origin' },
  });
});

it('a helper that dies during a call fails it with api-thread-failed, and the next call starts another', () => {
  const t = thread(helper(`if (m.type === 'call') process.exit(7);`));
  for (let i = 0; i < 2; i++) {
    const e = failure(() => t.callBlocking('site.build', {}, 0, patient));
    expect(e.code).toBe('api-thread-failed');
    expect(e.message).toContain('site.build');
    expect(e.message).toContain('exit code 7');
  }
});

it('a call past its time limit stops waiting, and the helper is told to stop the use case', async () => {
  const aborted: string[] = [];
  // This helper never answers a call; it reports an abort as an event.
  const t = thread(
    helper(`
      if (m.type === 'abort') post({ type: 'event', name: 'problem', payload: { file: '', code: 'aborted', message: String(m.id) } });
    `),
    (m) => aborted.push((m.payload as { message: string }).message),
  );
  let looks = 0;
  const e = failure(() => t.callBlocking('publish.upload', {}, 0, { interrupted: () => ++looks > 3 }));
  expect(e.code).toBe('task-cancelled');
  // The abort's event arrives once this thread is free again.
  while (aborted.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(aborted).toEqual(['1']);
});
