import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Workspace } from '../../src/app/workspace.js';
import { TEMP_MARKER } from '../../src/core/atomic.js';
import { readPostFile } from '../../src/content/posts/post-file.js';
import { isMarkdownFile, walkFiles } from '../../src/core/walk.js';
import { cleanupTempDirs, writeProject } from '../helpers/project.js';

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
