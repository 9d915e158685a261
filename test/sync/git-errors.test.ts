import { describe, expect, it } from 'vitest';
import { classifyGitFailure, parseNameStatus, parsePorcelain } from '../../src/sync/index.js';

describe('git failures are sorted into codes a user can act on', () => {
  const cases: [string, string, string | undefined, RegExp][] = [
    [
      'ssh key refused',
      'git@example.com: Permission denied (publickey).\nfatal: Could not read from remote repository.',
      'git@example.com:me/blog.git',
      /ssh-add/,
    ],
    [
      'https without stored credentials',
      "fatal: could not read Username for 'https://example.com': terminal prompts disabled",
      'https://example.com/me/blog.git',
      /credential helper/,
    ],
    [
      'unknown host key',
      'Host key verification failed.\nfatal: Could not read from remote repository.',
      'git@h.example:x',
      /h\.example/,
    ],
  ];
  for (const [name, output, url, guidance] of cases) {
    it(`${name} is auth-required`, () => {
      const r = classifyGitFailure(output, url);
      expect(r.code).toBe('auth-required');
      expect(r.guidance.join(' ')).toMatch(guidance);
    });
  }

  const codes: [string, string][] = [
    [' ! [rejected]        main -> main (fetch first)\nerror: failed to push some refs', 'push-rejected'],
    [' ! [remote rejected] main -> main (pre-receive hook declined)', 'push-rejected'],
    ['CONFLICT (content): Merge conflict in posts/a.md\nAutomatic merge failed', 'conflict'],
    ['error: Your local changes to the following files would be overwritten by merge:', 'conflict'],
    ["fatal: unable to access 'https://x.example/': Could not resolve host: x.example", 'network'],
    ['ssh: connect to host 127.0.0.1 port 9: Connection refused', 'network'],
    ['ssh: connect to host 10.0.0.1 port 22: Connection timed out', 'network'],
    ['fatal: not a git repository (or any of the parent directories): .git', 'not-a-repo'],
    ["fatal: '/nope' does not appear to be a git repository", 'remote-unreachable'],
    [
      "remote: Repository not found.\nfatal: repository 'https://x.example/me/b.git/' not found",
      'remote-unreachable',
    ],
    ['error: pathspec did not match', 'action-failed'],
  ];
  for (const [output, code] of codes) {
    it(`"${output.split('\n')[0]}" is ${code}`, () => {
      expect(classifyGitFailure(output).code).toBe(code);
    });
  }

  it('keeps the useful lines of the message, not progress chatter', () => {
    const r = classifyGitFailure('Counting objects: 3\nremote: boom\nerror: failed to push some refs to x');
    expect(r.error).toBe('remote: boom\nerror: failed to push some refs to x');
  });
});

describe('git output parsers', () => {
  it('name-status with -z gives renames with both paths', () => {
    expect(parseNameStatus('M\0a.md\0R087\0old.md\0new.md\0D\0gone.md\0A\0n.md\0')).toEqual([
      { status: 'modified', path: 'a.md' },
      { status: 'renamed', path: 'new.md', previousPath: 'old.md' },
      { status: 'deleted', path: 'gone.md' },
      { status: 'added', path: 'n.md' },
    ]);
  });

  it('porcelain status paths are made relative to the project folder', () => {
    const out = '?? blog/new.md\0R  blog/b.md\0blog/a.md\0UU blog/c.md\0 M blog/d.md\0';
    expect(parsePorcelain(out, 'blog/')).toEqual([
      { path: 'new.md', status: 'untracked', staged: false },
      { path: 'b.md', status: 'renamed', previousPath: 'a.md', staged: true },
      { path: 'c.md', status: 'conflicted', staged: false },
      { path: 'd.md', status: 'modified', staged: false },
    ]);
  });
});
