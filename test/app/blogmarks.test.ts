// Blogmarks through the use case: what a page may send (malicious addresses refused with the field
// named), the draft it starts as, and real transform scripts run over it in both Python runtime modes.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Workspace } from '../../src/app/workspace.js';
import { bookmarklet } from '../../src/app/blogmarks.js';
import { ToastCollector } from '../../src/app/blogmark-pipeline.js';
import { isBdsError, type BdsError } from '../../src/core/errors.js';
import { markdownEngine } from '../../src/render/index.js';
import { tempDir, writeProject } from '../helpers/project.js';

async function refusal(p: Promise<unknown>): Promise<BdsError> {
  try {
    await p;
  } catch (e) {
    if (isBdsError(e)) return e;
    throw e;
  }
  throw new Error('expected a refusal');
}

function postFiles(root: string): string[] {
  const dir = path.join(root, 'posts');
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.md'));
}

describe('what a blogmark may bring in', () => {
  let ws: Workspace;
  let root: string;

  beforeAll(() => {
    root = writeProject({}, { settings: { defaultAuthor: 'Ada', mainLanguage: 'de' } });
    ws = Workspace.open(root, { home: tempDir('bds-home-') });
  });
  afterAll(async () => {
    await ws.close();
  });

  const MALICIOUS = [
    'javascript:alert(1)',
    'JaVaScRiPt:alert(1)',
    '  javascript:alert(1)',
    '\u0001javascript:alert(1)',
    'java\tscript:alert(1)',
    'jav\u200bascript:alert(1)',
    '&#106;avascript:alert(1)',
    '&#x6A;avascript:alert(1)',
    '&#0000106avascript:alert(1)',
    'java&#x09;script:alert(1)',
    'java&Tab;script&colon;alert(1)',
    'javascript&#58;alert(1)',
    '&amp;#106;avascript:alert(1)',
    '%6Aavascript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'DATA:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
    'file:///etc/passwd',
    'FiLe:///etc/passwd',
    'vbscript:msgbox(1)',
    '//evil.example/page',
    'example.com/page',
    'https://',
  ];

  it.each(MALICIOUS)('refuses %j, naming the url field, and makes no post', async (url) => {
    const e = await refusal(ws.call('blogmarks.capture', { url, title: 'x' }));
    expect(e.code).toBe('blogmark-invalid');
    expect(e.message).toMatch(/^"url" /);
    expect(e.details?.field).toBe('url');
    expect(postFiles(root)).toEqual([]);
  });

  it('names the scheme it found under the disguise', async () => {
    const e = await refusal(ws.call('blogmarks.capture', { url: 'java&Tab;script&colon;alert(1)' }));
    expect(e.message).toBe('"url" must be an http or https address, not javascript:');
  });

  it.each([
    [
      'title',
      { url: 'https://example.com/', title: 'A\nB' },
      /"title" must not contain control characters \(U\+000A/,
    ],
    [
      'title',
      { url: 'https://example.com/', title: 'x'.repeat(201) },
      /"title" is 201 characters long; at most 200/,
    ],
    [
      'selection',
      { url: 'https://example.com/', selection: 'y'.repeat(10_001) },
      /"selection" is 10001 characters long; at most 10000/,
    ],
    [
      'selection',
      { url: 'https://example.com/', selection: 'a\u0000b' },
      /"selection" must not contain control/,
    ],
    [
      'url',
      { url: `https://example.com/${'a'.repeat(2040)}` },
      /"url" is 2060 characters long; at most 2048/,
    ],
  ])('refuses a bad %s with its field named', async (field, input, message) => {
    const e = await refusal(ws.call('blogmarks.capture', input));
    expect(e.code).toBe('blogmark-invalid');
    expect(e.details?.field).toBe(field);
    expect(e.message).toMatch(message);
    expect(postFiles(root)).toEqual([]);
  });

  it('takes a title of 200 characters (astral characters count once)', async () => {
    const title = `${'é'.repeat(198)}😀😀`;
    const r = await ws.call('blogmarks.capture', { url: 'https://example.com/long', title });
    expect(r.post.title).toBe(title);
  });

  it('starts as a draft: the title, a link without user, password or fragment, the selection quoted', async () => {
    const r = await ws.call('blogmarks.capture', {
      url: 'https://user:secret@Example.COM/a/b?q=1#section-2',
      title: '  Ten things  ',
      selection: 'First line\nsecond line',
      via: 'cli',
    });
    expect(r.duplicate).toBe(false);
    expect(r.applied).toEqual([]);
    expect(r.errors).toEqual([]);
    expect(r.post).toMatchObject({
      title: 'Ten things',
      status: 'draft',
      tags: [],
      categories: ['article'],
      author: 'Ada',
      language: 'de',
    });
    expect(r.post.body).toBe('[Ten things](<https://example.com/a/b?q=1>)\n\n> First line\n> second line\n');
    // A file, not only a row: the draft is in posts/ with its frontmatter.
    const text = fs.readFileSync(path.join(root, r.post.path), 'utf8');
    expect(text).toContain('title: Ten things');
    expect(text).toContain('status: draft');
    expect(text).not.toContain('secret');
  });

  it('an empty title becomes the host', async () => {
    const r = await ws.call('blogmarks.capture', {
      url: 'https://news.example.org:8443/story',
      title: '   ',
    });
    expect(r.post.title).toBe('news.example.org:8443');
  });

  it("a page's title and selection stay text: no HTML, no markup of their own", async () => {
    const r = await ws.call('blogmarks.capture', {
      url: 'https://example.com/x?a=\\b',
      title: '<img src=x onerror=alert(1)> *bold* [link](javascript:alert(1))',
      selection: '# Not a heading\n- not a list\n1. nor this\n    not code\n<script>alert(1)</script>\n===',
    });
    const html = markdownEngine().render(r.post.body);
    expect(html).not.toMatch(/<img|<script|<em>|<strong>|<h1|<ul|<ol|<pre|href="javascript/);
    expect(html).toContain('href="https://example.com/x?a=%5Cb"');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt; *bold* [link](javascript:alert(1))</a>');
    expect(html).toContain('# Not a heading');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('uses the blogmarkCategory of bds.json', async () => {
    await ws.call('settings.set', { key: 'blogmarkCategory', value: 'links' });
    const r = await ws.call('blogmarks.capture', { url: 'https://example.com/categorised' });
    expect(r.post.categories).toEqual(['links']);
    await ws.call('settings.set', { key: 'blogmarkCategory', value: undefined });
  });

  it('the bookmarklet carries no secret, only the app address', async () => {
    const { bookmarklet: code, target } = await ws.call('blogmarks.bookmarklet', {
      origin: 'http://127.0.0.1:4120',
    });
    expect(target).toBe('http://127.0.0.1:4120/blogmark');
    expect(code).toMatch(/^javascript:\(function\(\)\{/);
    expect(code).toContain('"http://127.0.0.1:4120/blogmark"');
    expect(code).not.toMatch(/token|cookie|%/);
    expect(() => bookmarklet('https://evil.example')).toThrow(/address of the bds app on this machine/);
    expect(() => bookmarklet('http://127.0.0.1:4120/x')).toThrow(/origin/);
  });
});

describe('toasts of one capture', () => {
  it('keeps 5 per script and 20 per capture, trimmed and cut to 300 characters; the rest are counted', () => {
    const box = new ToastCollector();
    for (let i = 0; i < 7; i++) box.add('a', `  a${i}  `);
    expect(box.toasts.map((t) => t.message)).toEqual(['a0', 'a1', 'a2', 'a3', 'a4']);
    expect(box.dropped).toBe(2);
    expect(box.add('b', '   ')).toBe(false);
    expect(box.add('b', 'z'.repeat(500))).toBe(true);
    expect(box.toasts.at(-1)!.message).toHaveLength(300);
    for (const s of ['c', 'd', 'e', 'f']) for (let i = 0; i < 5; i++) box.add(s, `${s}${i}`);
    expect(box.toasts).toHaveLength(20);
    expect(box.dropped).toBe(2 + 6);
  });
});

/** Transforms as a user writes them, created through bds (so trusted), in an order their slugs do not have. */
const TRANSFORMS: { slug: string; order: number; code: string }[] = [
  {
    slug: 'z_tag_domain',
    order: 10,
    code: [
      'from urllib.parse import urlparse',
      'import bds_api',
      'def transform(post, context):',
      '    bds_api.tags.list()  # the read-only API answers',
      '    post["tags"].append(urlparse(context["url"]).hostname)',
      '    return post',
    ].join('\n'),
  },
  {
    slug: 'y_rewrite_title',
    order: 20,
    code: 'def transform(post, context):\n    post["title"] = "Link: " + post["title"]\n    return post\n',
  },
  { slug: 'x_raises', order: 30, code: 'def transform(post, context):\n    raise ValueError("no thanks")\n' },
  {
    slug: 'w_garbage',
    order: 40,
    code: 'def transform(post, context):\n    return {"title": "", "content": 42}\n',
  },
  { slug: 'v_forever', order: 50, code: 'def transform(post, context):\n    while True:\n        pass\n' },
  {
    slug: 'u_toaster',
    order: 60,
    code: [
      'import bds_api',
      'def transform(post, context):',
      '    shown = [bds_api.toast(f"toast {i} from {context[\'via\']}") for i in range(30)]',
      '    post["content"] += f"\\nshown: {shown.count(True)}\\n"',
    ].join('\n'),
  },
  {
    slug: 't_writes',
    order: 70,
    code: 'import bds_api\ndef transform(post, context):\n    bds_api.posts.create({"title": "sneaky"})\n',
  },
  // Same order as the toaster: the slug decides, so it runs before it.
  {
    slug: 'a_same_order',
    order: 60,
    code: 'def transform(post, context):\n    post["tags"].append("second-" + str(len(post["tags"])))\n    return post\n',
  },
];

describe.each(['worker', 'main-thread'] as const)('transforms end to end (%s mode)', (mode) => {
  let ws: Workspace;
  let root: string;

  beforeAll(async () => {
    root = writeProject({
      // A transform that arrived from outside (a pull): enabled, but not trusted.
      'scripts/from_outside.py':
        '"""\n---\nid: outside1\nslug: from_outside\nkind: transform\nenabled: true\norder: 1\n---\n"""\ndef transform(post, context):\n    post["title"] = "pwned"\n    return post\n',
    });
    // A runaway transform is stopped at its limit; a short one keeps the test short.
    ws = Workspace.open(root, {
      home: tempDir('bds-home-'),
      python: { size: 1, timeouts: { transform: 1500 } },
    });
    await ws.call('settings.set', { key: 'pythonRuntimeMode', value: mode });
    expect(ws.python().mode).toBe(mode);
    for (const t of [...TRANSFORMS].reverse()) {
      await ws.call('scripts.create', {
        title: t.slug,
        slug: t.slug,
        kind: 'transform',
        order: t.order,
        code: t.code,
      });
    }
    await ws.call('scripts.create', {
      title: 'off',
      slug: 'off',
      kind: 'transform',
      enabled: false,
      code: 'def transform(post, context):\n    return None\n',
    });
  }, 120_000);

  afterAll(async () => {
    await ws.close();
  });

  it('runs the trusted, enabled transforms in order; failures are recorded and passed over', async () => {
    const r = await ws.call('blogmarks.capture', {
      url: 'https://www.example.com/post/1#comments',
      title: 'Example page',
      via: 'bookmarklet',
    });
    expect(r.applied.map((a) => a.slug)).toEqual([
      'z_tag_domain',
      'y_rewrite_title',
      'a_same_order',
      'u_toaster',
    ]);
    expect(r.errors.map((e) => [e.slug, e.code])).toEqual([
      ['x_raises', 'python-error'],
      ['w_garbage', 'python-invalid-result'],
      ['v_forever', 'python-timeout'],
      ['t_writes', 'python-error'],
    ]);
    expect(r.errors[0]!.message).toContain('ValueError: no thanks');
    expect(r.errors[1]!.message).toMatch(/result\.(title|content)/);
    expect(r.errors[3]!.message).toContain('posts.create changes the blog and is read-only in transforms');
    expect(r.skipped.map((s) => [s.slug, s.reason])).toEqual([
      ['from_outside', 'untrusted'],
      ['off', 'disabled'],
    ]);
    // Each failure kept the post as the script before it left it.
    expect(r.post.title).toBe('Link: Example page');
    expect(r.post.tags).toEqual(['www.example.com', 'second-1']);
    expect(r.post.categories).toEqual(['article']);
    // Transforms get the post trimmed (ABI v1): the toaster's line follows the link directly.
    expect(r.post.body).toBe('[Example page](<https://www.example.com/post/1>)\nshown: 5\n');
    expect(r.toasts).toEqual(
      [0, 1, 2, 3, 4].map((i) => ({ script: 'u_toaster', message: `toast ${i} from bookmarklet` })),
    );
    expect(r.toastsDropped).toBe(25);
    expect(fs.readFileSync(path.join(root, r.post.path), 'utf8')).toContain('title: "Link: Example page"');
    // Nothing the transform tried to write was written.
    expect((await ws.call('posts.list', {})).map((p) => p.title)).toEqual(['Link: Example page']);
    // Each run is in its script's history.
    expect((await ws.call('scripts.runs', { ref: 'v_forever' }))[0]!.status).toBe('timeout');
    expect((await ws.call('scripts.runs', { ref: 'z_tag_domain' }))[0]!.status).toBe('ok');
  }, 60_000);

  it('the same address within a minute answers with the first draft; after a minute it makes another', async () => {
    const again = await ws.call('blogmarks.capture', {
      url: 'https://www.example.com/post/1#other-fragment',
      title: 'Something else',
    });
    expect(again.duplicate).toBe(true);
    expect(again.post.title).toBe('Link: Example page');
    expect(again.applied.map((a) => a.slug)).toContain('u_toaster');
    expect(postFiles(root)).toHaveLength(1);
    // A minute later (the memo of recent captures aged by hand).
    const memo = path.join(root, '.bds', 'blogmarks-recent.json');
    const entries = JSON.parse(fs.readFileSync(memo, 'utf8')) as { at: number }[];
    fs.writeFileSync(memo, JSON.stringify(entries.map((e) => ({ ...e, at: e.at - 61_000 }))));
    const later = await ws.call('blogmarks.capture', {
      url: 'https://www.example.com/post/1',
      title: 'Example page',
    });
    expect(later.duplicate).toBe(false);
    expect(later.post.id).not.toBe(again.post.id);
    expect(postFiles(root)).toHaveLength(2);
  }, 60_000);

  it('a utility captures through bds_api.blogmarks.capture; this workspace hears of the draft', async () => {
    await ws.call('scripts.create', {
      title: 'capturer',
      slug: 'capturer',
      kind: 'utility',
      code: [
        'import bds_api',
        'def main(context):',
        '    try:',
        '        r = bds_api.blogmarks.capture("https://python.example/page", "From Python")',
        '        return [r["post"]["title"], [a["slug"] for a in r["applied"]]]',
        '    except bds_api.ApiError as e:',
        '        return e.code',
        '',
      ].join('\n'),
    });
    const before = postFiles(root).length;
    const r = await ws.call('scripts.run', { ref: 'capturer' });
    expect(r.value).toEqual([
      'Link: From Python',
      ['z_tag_domain', 'y_rewrite_title', 'a_same_order', 'u_toaster'],
    ]);
    expect(postFiles(root)).toHaveLength(before + 1);
    // This workspace heard of the draft the capture made, wherever it ran.
    expect((await ws.call('posts.list', {})).map((p) => p.title)).toContain('Link: From Python');
  }, 60_000);

  it('lists the transforms a capture will run, in order', async () => {
    const plan = await ws.call('blogmarks.transforms', {});
    expect(plan.run.map((s) => s.slug)).toEqual([
      'z_tag_domain',
      'y_rewrite_title',
      'x_raises',
      'w_garbage',
      'v_forever',
      'a_same_order',
      'u_toaster',
      't_writes',
    ]);
  });
});

describe('bds_api.toast outside a capture', () => {
  it('raises api-unavailable in a utility, naming the method', async () => {
    const ws = Workspace.open(writeProject({}), { home: tempDir('bds-home-'), python: { size: 1 } });
    try {
      await ws.call('scripts.create', {
        title: 'u',
        slug: 'u',
        kind: 'utility',
        code: 'import bds_api\ndef main(context):\n    try:\n        bds_api.toast("hi")\n    except bds_api.ApiError as e:\n        return [e.code, str(e)]\n',
      });
      const r = await ws.call('scripts.run', { ref: 'u' });
      expect(r.value).toEqual(['api-unavailable', expect.stringContaining('app.toast')]);
    } finally {
      await ws.close();
    }
  }, 60_000);
});
