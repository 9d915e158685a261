// The project switcher's server side, for real: asking the app server of one project to open another
// starts a `bds serve` of that project (a process of its own) and answers its sign-in address; asking
// again finds it running; the current project and a folder that is not a project answer plainly.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initProject } from '../../src/content/project.js';
import { readServerFile } from '../../src/server/server-file.js';
import { tempDir } from '../helpers/project.js';
import { serveProject, type ServedProject } from '../helpers/server.js';

describe('opening another project from the app', () => {
  let s: ServedProject;
  let other: string;
  let otherId: string;

  beforeAll(async () => {
    s = await serveProject();
    other = path.join(tempDir('bds-other-'), 'travel');
    otherId = initProject(other, { name: 'Travel notes' }).settings.id;
  });

  afterAll(async () => {
    const running = readServerFile(s.home, otherId);
    if (running) process.kill(running.pid, 'SIGTERM');
    await s.close();
  });

  const open = (dir: string) =>
    fetch(`${s.server.url}api/projects/open`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${s.server.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ dir }),
    });

  it('starts a server for the other project and answers where to sign in; a second ask finds it', async () => {
    const res = await open(other);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { loginUrl: string; started: boolean; current: boolean };
    expect(body).toMatchObject({ started: true, current: false });
    const running = readServerFile(s.home, otherId)!;
    expect(body.loginUrl).toBe(`${running.url}?token=${running.token}`);
    const summary = await fetch(`${running.url}api/project`, {
      headers: { Authorization: `Bearer ${running.token}` },
    });
    expect(((await summary.json()) as { project: string }).project).toBe('Travel notes');

    const again = (await (await open(other)).json()) as { loginUrl: string; started: boolean };
    expect(again).toMatchObject({ started: false, loginUrl: body.loginUrl });

    process.kill(running.pid, 'SIGTERM');
    for (let i = 0; i < 100 && readServerFile(s.home, otherId); i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(fs.existsSync(path.join(s.home, 'servers', `${otherId}.json`))).toBe(false);
  }, 60_000);

  it('the current project needs no switch; a folder that is no project is a clear error', async () => {
    expect(await (await open(s.root)).json()).toMatchObject({ current: true });
    const res = await open(tempDir('bds-empty-'));
    expect(res.status).toBe(404);
    expect(((await res.json()) as { code: string }).code).toBe('project-not-found');
    const bad = await open('');
    expect(bad.status).toBe(400);
  });
});
