import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Workspace } from '../../src/app/workspace.js';
import { STAGED_MARKER, TEMP_MARKER } from '../../src/core/atomic.js';
import { readPostFile } from '../../src/content/posts/post-file.js';
import { isMarkdownFile, walkFiles } from '../../src/core/walk.js';
import { cleanupTempDirs, samplePost, writeProject } from '../helpers/project.js';

afterEach(() => cleanupTempDirs());

const KILLS = 12;

function runAndKill(root: string, delayMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    // One process (node with the tsx loader), so SIGKILL stops the writer itself.
    const child = spawn(process.execPath, ['--import', 'tsx', path.resolve('test/helpers/writer.ts'), root], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.once('data', () => setTimeout(() => child.kill('SIGKILL'), delayMs));
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve();
      else reject(new Error(`writer exited on its own (${code}): ${stderr}`));
    });
  });
}

async function snapshot(ws: Workspace) {
  return {
    posts: await ws.call('posts.list', {}),
    tags: await ws.call('tags.list', {}),
    pending: await Promise.all(
      (await ws.call('posts.list', {})).map(
        async (p) => (await ws.call('posts.get', { ref: p.id })).pending?.title ?? null,
      ),
    ),
  };
}

describe('a writer killed at random points never leaves a broken project', () => {
  it(`survives ${KILLS} kills: every file parses and the index rebuilds to the reconciled state`, async () => {
    const root = writeProject({});
    for (let i = 0; i < KILLS; i++) {
      await runAndKill(root, Math.floor(Math.random() * 250));
      // Every post and draft file parses.
      for (const rel of [
        ...walkFiles(root, 'posts', isMarkdownFile),
        ...walkFiles(root, 'drafts', isMarkdownFile),
      ]) {
        expect(() => readPostFile(root, rel, 'UTC')).not.toThrow();
      }
      JSON.parse(fs.readFileSync(path.join(root, 'meta/tags.json'), 'utf8'));
      // Opening reconciles what the killed process wrote after its last commit; a rebuild agrees.
      const ws = Workspace.open(root);
      expect(await ws.call('project.problems', {})).toEqual([]);
      const reconciled = await snapshot(ws);
      await ws.call('project.rebuild', {});
      expect(await snapshot(ws)).toEqual(reconciled);
      await ws.close();
    }
    const leftovers = fs
      .readdirSync(root, { recursive: true })
      .filter((f) => String(f).includes(TEMP_MARKER));
    expect(leftovers).toEqual([]);
    expect(walkFiles(root, 'posts', isMarkdownFile).length).toBeGreaterThan(0);
  }, 180_000);
});

describe('opening a project after a crash', () => {
  it('removes the temp files crashed writers left in posts/ and drafts/ on the walk that indexes them', async () => {
    const root = writeProject({ 'posts/2026/01/a.md': samplePost({ slug: 'a' }), 'drafts/.keep': '' });
    const exited = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => exited.once('exit', r));
    const running = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      const torn = [
        `posts/2026/01/${TEMP_MARKER}a.md.${exited.pid}.abcd`,
        `drafts/${TEMP_MARKER}x.md.${exited.pid}.abcd`,
      ];
      // A write in flight (its process runs) and a staged file belong to their writers.
      const kept = [
        `posts/2026/01/${TEMP_MARKER}b.md.${running.pid}.abcd`,
        `posts/${STAGED_MARKER}c.md.1.ab`,
      ];
      for (const f of [...torn, ...kept]) fs.writeFileSync(path.join(root, f), 'half');
      const ws = Workspace.open(root);
      await ws.close();
      for (const f of torn) expect(fs.existsSync(path.join(root, f)), f).toBe(false);
      for (const f of kept) expect(fs.existsSync(path.join(root, f)), f).toBe(true);
      expect(fs.existsSync(path.join(root, 'posts/2026/01/a.md'))).toBe(true);
    } finally {
      running.kill('SIGKILL');
    }
  });
});
