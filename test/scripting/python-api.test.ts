import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { findPythonMethod, pythonApiMethods } from '../../src/app/python-api.js';
import { Workspace } from '../../src/app/workspace.js';
import { HOST_METHODS } from '../../src/scripting/api/contract.js';
import { generateApiDocs, generatePythonModule, pythonName } from '../../src/scripting/api/generate.js';
import { cleanupTempDirs, samplePost, tempDir, writeProject } from '../helpers/project.js';

const open: Workspace[] = [];
afterEach(async () => {
  for (const ws of open.splice(0)) await ws.close();
  cleanupTempDirs();
});

describe('bds_api contract', () => {
  it('docs/python-api.md is current with the contract', () => {
    expect(fs.readFileSync('docs/python-api.md', 'utf8')).toBe(generateApiDocs(pythonApiMethods()));
  });

  it('every contract method has an implementation and vice versa', () => {
    // The contract is the use cases' Python views: each method is one view, of a use case that runs.
    const names = pythonApiMethods().map((m) => `${m.namespace}.${m.name}`);
    expect(new Set(names).size).toBe(names.length);
    for (const m of pythonApiMethods()) {
      expect(findPythonMethod(`${m.namespace}.${m.name}`)).toBe(m);
      // The rest are answered by the run itself (a capture's toasts).
      if (HOST_METHODS.includes(m)) continue;
      expect(m.useCase?.name).toMatch(/\./);
      expect(typeof m.useCase?.run).toBe('function');
    }
  });

  it('a method whose use case is an async function is declared to wait (main-thread mode runs it elsewhere)', () => {
    const undeclared = pythonApiMethods()
      .filter((m) => m.useCase?.run.constructor.name === 'AsyncFunction' && m.useCase.waits !== true)
      .map((m) => `${m.namespace}.${m.name}`);
    expect(undeclared).toEqual([]);
  });

  it('names are snake_case with camelCase aliases and keywords escaped', () => {
    expect(pythonName('getBySlug')).toBe('get_by_slug');
    expect(pythonName('import')).toBe('import_');
    expect(pythonName('commitAll')).toBe('commit_all');
    const py = generatePythonModule(pythonApiMethods());
    expect(py).toContain('def get_by_slug(self, slug):');
    expect(py).toContain('getBySlug = get_by_slug');
    expect(py).toContain('bds = BdsApi()');
    expect(py).not.toMatch(/\bchat\b/);
  });
});

describe('bds_api dispatcher', () => {
  function ws() {
    const w = Workspace.open(
      writeProject({
        'posts/2026/01/a.md': samplePost({ slug: 'a', title: 'Alpha', tags: ['x'] }, 'Body A\n'),
      }),
      { home: tempDir() },
    );
    open.push(w);
    return w;
  }

  it('answers reads and writes for utility scripts through the workspace use cases', async () => {
    const w = ws();
    const handler = w.apiHandler('utility');
    const call = async (method: string, args: unknown) => handler(method, args as Record<string, never>);
    expect(await call('posts.list', {})).toMatchObject([{ slug: 'a', title: 'Alpha' }]);
    expect(await call('posts.getBySlug', { slug: 'a' })).toMatchObject({ content: 'Body A\n' });
    const created = (await call('posts.create', {
      data: { title: 'From Python', content: 'Hi', tags: ['py'] },
    })) as { id: string };
    expect((await w.call('posts.get', { ref: created.id })).tags).toEqual(['py']);
    expect(await call('tags.list', {})).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'py', count: 1 })]),
    );
  });

  it('macros get read-only methods only', async () => {
    const handler = ws().apiHandler('macro');
    const call = async (method: string, args: unknown) => handler(method, args as Record<string, never>);
    expect(await call('posts.list', { status: 'published' })).toHaveLength(1);
    await expect(call('posts.create', { data: { title: 'x' } })).rejects.toMatchObject({
      code: 'api-read-only',
      message: expect.stringContaining('read-only in macros'),
    });
  });

  it('invalid arguments name the argument and field', async () => {
    const handler = ws().apiHandler('utility');
    const call = async (method: string, args: unknown) => handler(method, args as Record<string, never>);
    await expect(call('posts.get', {})).rejects.toThrow(/requires argument "id"/);
    await expect(call('posts.list', { limit: 'ten' })).rejects.toThrow(/"limit"/);
    await expect(call('posts.create', { data: { title: 'x', tags: 'notalist' } })).rejects.toThrow(
      /"data\.tags"/,
    );
    await expect(call('posts.create', { data: { title: 'x', bogus: 1 } })).rejects.toThrow(/data/);
    await expect(call('posts.list', { nope: 1 })).rejects.toThrow(/unknown argument "nope"/);
    await expect(call('chat.send', {})).rejects.toMatchObject({ code: 'api-unknown-method' });
  });
});
