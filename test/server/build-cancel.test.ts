// Cancelling a site build through the app server, as the tasks panel does: the build stops (its call
// fails with task-cancelled, the task is marked cancelled), and the next build writes the whole site.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../src/client/index.js';
import { bds } from '../helpers/cli.js';
import { samplePost, tempDir } from '../helpers/project.js';
import { serveProject, type ServedProject } from '../helpers/server.js';

const POSTS = 1500;

describe('cancelling a build', () => {
  let s: ServedProject;

  beforeAll(async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < POSTS; i++) {
      files[`posts/2025/${String((i % 12) + 1).padStart(2, '0')}/p${i}.md`] = samplePost(
        {
          slug: `p${i}`,
          title: `Post ${i}`,
          tags: [`t${i % 40}`],
          createdAt: `2025-01-01T00:00:${String(i % 60).padStart(2, '0')}Z`,
        },
        `Body ${i}.\n\n${'Words and more words. '.repeat(40)}\n`,
      );
    }
    s = await serveProject(files, { writeServerFile: true });
  }, 120_000);

  afterAll(async () => {
    await s?.close();
  });

  it('stops a running build at Cancel, and the next build is whole', async () => {
    const build = s.client.call('site.build', {}).then(
      () => 'finished',
      (e: unknown) => (e instanceof ApiError ? e.code : String(e)),
    );
    let task: { id: string; status: string } | undefined;
    for (let i = 0; i < 400 && !task; i++) {
      task = (await s.client.call('tasks.list', {})).find(
        (t) => t.name === 'Build site' && t.status === 'running',
      );
      if (!task) await new Promise((r) => setTimeout(r, 5));
    }
    expect(task, 'the build shows as a running task').toBeDefined();
    const cancelled = await s.client.call('tasks.cancel', { id: task!.id });
    expect(cancelled.status).toBe('cancelled');
    expect(await build).toBe('task-cancelled');
    expect((await s.client.call('tasks.list', {})).find((t) => t.id === task!.id)?.status).toBe('cancelled');

    const summary = await s.client.call('site.build', {});
    expect(summary.posts).toBe(POSTS);
    expect(fs.existsSync(path.join(s.root, 'html', 'index.html'))).toBe(true);
    const again = await s.client.call('site.build', {});
    expect(again.pagesWritten).toBe(0);
  }, 120_000);

  it('says which task it does not know', async () => {
    await expect(s.client.call('tasks.cancel', { id: 'nope' })).rejects.toMatchObject({
      code: 'task-not-found',
    });
  });

  it('bds tasks asks the running app, and says when none runs', async () => {
    const listed = await bds(['tasks'], { cwd: s.root, home: s.home });
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/Build site {2}cancelled/);
    expect(listed.stdout).toMatch(/Build site {2}completed/);
    const unknown = await bds(['tasks', 'cancel', 'nope'], { cwd: s.root, home: s.home });
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('No task "nope"');
    const elsewhere = await bds(['tasks'], { cwd: s.root, home: tempDir('bds-home-') });
    expect(elsewhere.code).not.toBe(0);
    expect(elsewhere.stderr).toContain('No bds app is running for this project');
  });
});
