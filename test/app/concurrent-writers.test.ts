// Three bds processes write the same project at once: posts created, a tag renamed back and forth in
// every post that has it, and one post edited by two of them. The write lock keeps every update.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Workspace } from '../../src/app/workspace.js';
import { initProject } from '../../src/content/project.js';
import { tempDir } from '../helpers/project.js';

function runLoop(
  role: string,
  root: string,
  home: string,
  count: number,
): Promise<{
  role: string;
  ran: number;
  failures: { args: string[]; code: number; stderr: string }[];
}> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.resolve('test/helpers/cli-loop.ts'), role, root, home, String(count)],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`${role} exited ${code}: ${err}`));
      else resolve(JSON.parse(out.trim().split('\n').pop()!));
    });
  });
}

describe('three bds processes writing one project at once', () => {
  it('lose no update and leave every file parseable', async () => {
    const root = path.join(tempDir('bds-multi-'), 'blog');
    const home = tempDir('bds-home-');
    initProject(root, { name: 'Busy' });
    const ws = Workspace.open(root, { home });
    await ws.call('posts.create', { title: 'Shared', slug: 'shared', tags: ['red'], body: 'start\n' });
    for (let i = 0; i < 5; i++) await ws.call('posts.create', { title: `Seed ${i}`, tags: ['red', 'seed'] });
    await ws.close();

    const rounds = 12;
    const results = await Promise.all([
      runLoop('writer', root, home, rounds),
      runLoop('tagger', root, home, rounds),
      runLoop('editor', root, home, rounds),
    ]);
    for (const r of results) expect(r.failures, r.role).toEqual([]);
    expect(results.map((r) => r.ran)).toEqual([rounds * 2, rounds, rounds]);

    // The index is rebuilt from the files alone: what the files hold is what counts.
    fs.rmSync(path.join(root, '.bds'), { recursive: true, force: true });
    const after = Workspace.open(root, { home });
    try {
      expect(await after.call('project.problems', {})).toEqual([]);
      const posts = await after.call('posts.list', {});
      // Every post the writer created is there, once.
      const written = posts.filter((p) => p.title.startsWith('Writer ')).map((p) => p.title);
      expect(new Set(written).size).toBe(rounds);
      expect(written).toHaveLength(rounds);
      // An even number of renames brings red back, in every post that carried it (none is left behind).
      const tagged = posts.filter((p) => p.title === 'Shared' || p.title.startsWith('Seed '));
      expect(tagged).toHaveLength(6);
      for (const p of tagged) expect(p.tags, p.slug).toContain('red');
      expect(posts.some((p) => p.tags.includes('blue'))).toBe(false);
      // Two processes edited the shared post's excerpt and body: both last edits survive.
      const shared = await after.call('posts.get', { ref: 'shared' });
      expect(shared.body).toBe(`edit ${rounds - 1}\n`);
      expect(shared.excerpt).toBe(`excerpt ${rounds - 1}`);
    } finally {
      await after.close();
    }
  }, 240_000);
});
