// Golden files under test/fixtures/render/expected/ (Prettier leaves them alone): compared byte for
// byte; `UPDATE_GOLDEN=1` rewrites them.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'render');

export function readFixture(name: string): string {
  return readFileSync(join(FIXTURES, name), 'utf8');
}

export function expectGolden(name: string, actual: string): void {
  const path = join(FIXTURES, 'expected', name);
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
  }
  if (!existsSync(path))
    throw new Error(`golden file ${name} is missing; run with UPDATE_GOLDEN=1 to create it`);
  expect(actual).toBe(readFileSync(path, 'utf8'));
}
