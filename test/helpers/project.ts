// Write a small project inline (path → text) for a test, the way a user would have it on disk.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const TEST_PROJECT_ID = '0b0e8f5e-6a43-4d2a-9a55-5d0c6a1f0001';

export interface TestProjectOptions {
  settings?: Record<string, unknown>;
  /** Keep the folder after the test (for debugging). */
  keep?: boolean;
}

const made: string[] = [];

export function tempDir(prefix = 'bds-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Create a project folder holding `files` plus a bds.json (unless `files` has one). */
export function writeProject(
  files: Record<string, string | Uint8Array>,
  options: TestProjectOptions = {},
): string {
  const root = tempDir();
  const all: Record<string, string | Uint8Array> = {
    'bds.json': JSON.stringify({
      id: TEST_PROJECT_ID,
      name: 'Test blog',
      timezone: 'UTC',
      ...options.settings,
    }),
    'meta/categories.json': JSON.stringify({
      article: { title: 'Article' },
      page: { title: 'Page', renderInLists: false },
    }),
    'meta/tags.json': '[]',
    ...files,
  };
  for (const [rel, content] of Object.entries(all)) {
    const abs = path.join(root, rel);
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(abs, content);
  }
  return root;
}

/** A post file's text: frontmatter from `fm` (YAML-ish, values JSON-encoded) then the body. */
export function postText(fm: Record<string, unknown>, body = 'Hello.\n'): string {
  const lines = Object.entries(fm).map(([k, v]) => `${k}: ${JSON.stringify(v)}`);
  return `---\n${lines.join('\n')}\n---\n${body}`;
}

let counter = 0;
/** A complete, valid post file text with sensible defaults. */
export function samplePost(over: Record<string, unknown> = {}, body = 'Hello world.\n'): string {
  counter++;
  return postText(
    {
      id: `00000000-0000-4000-8000-${String(counter).padStart(12, '0')}`,
      title: `Post ${counter}`,
      slug: `post-${counter}`,
      status: 'published',
      createdAt: '2026-01-15T10:00:00Z',
      updatedAt: '2026-01-15T10:00:00Z',
      publishedAt: '2026-01-15T10:00:00Z',
      tags: [],
      categories: ['article'],
      ...over,
    },
    body,
  );
}

export function readText(root: string, rel: string): string {
  return fs.readFileSync(path.join(root, rel), 'utf8');
}

export function cleanupTempDirs(): void {
  for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}
