// ABI v1 schemas: what each payload accepts, and error messages that name the field.
import { describe, expect, it } from 'vitest';
import {
  ApiAnswerSchema,
  ApiCallSchema,
  MacroContextSchema,
  MacroResultSchema,
  PostDataSchema,
  TransformPostSchema,
  describeAbiIssue,
  fieldPath,
} from '../../../src/core/abi.js';
import { POST, macroContext } from './python-fixtures.js';

function issue(root: string, result: { success: boolean; error?: unknown }): string {
  expect(result.success).toBe(false);
  const { field, message } = describeAbiIssue(root, result.error as never);
  return `${field} ${message}`;
}

describe('ABI v1', () => {
  it('accepts the macro context every render path sends', () => {
    expect(MacroContextSchema.safeParse(macroContext({ n: 1, flag: true, s: 'x' })).success).toBe(true);
  });

  it('names a missing nested field of the context', () => {
    const ctx = macroContext();
    const { mainLanguage: _dropped, ...env } = ctx.env;
    expect(issue('context', MacroContextSchema.safeParse({ ...ctx, env }))).toBe(
      'context.env.mainLanguage is required',
    );
  });

  it('names an extra field, so paths cannot drift apart', () => {
    expect(issue('context', MacroContextSchema.safeParse({ ...macroContext(), extra: 1 }))).toBe(
      'context.extra is not a known field',
    );
  });

  it('accepts extra JSON fields on a post and names a tag that is not a string', () => {
    expect(PostDataSchema.safeParse({ ...POST, availableLanguages: ['en'] }).success).toBe(true);
    expect(issue('post', PostDataSchema.safeParse({ ...POST, tags: ['a', 2] }))).toMatch(/^post\.tags\[1\] /);
  });

  it('takes a macro result as a string or a strict dict', () => {
    expect(MacroResultSchema.safeParse('<p>').success).toBe(true);
    expect(MacroResultSchema.safeParse({ html: '', warnings: ['w'], data: { a: [1] } }).success).toBe(true);
    expect(MacroResultSchema.safeParse({ html: 1 }).success).toBe(false);
  });

  it('trims transform posts and refuses an empty title', () => {
    const ok = TransformPostSchema.parse({ title: ' T ', content: 'c', tags: [' a '], categories: [], x: 1 });
    expect(ok).toEqual({ title: 'T', content: 'c', tags: ['a'], categories: [] });
    expect(issue('result', TransformPostSchema.safeParse({ ...ok, title: ' ' }))).toBe(
      'result.title must not be empty',
    );
  });

  it('checks api calls and answers', () => {
    expect(ApiCallSchema.safeParse({ method: 'posts.get', args: { slug: 'a' } }).success).toBe(true);
    expect(issue('call', ApiCallSchema.safeParse({ method: 'posts', args: {} }))).toBe(
      'call.method must be namespace.method',
    );
    expect(ApiAnswerSchema.safeParse({ ok: true, result: null }).success).toBe(true);
    expect(ApiAnswerSchema.safeParse({ ok: false, error: { code: 'x', message: 'y' } }).success).toBe(true);
  });

  it('writes paths the way Python users read them', () => {
    expect(fieldPath('result', ['data', 'rows', 2, 'name'])).toBe('result.data.rows[2].name');
  });
});
