// Generates a blog corpus of N posts (frontmatter + Markdown) for benchmarks, deterministic by seed.
import fs from 'node:fs';
import path from 'node:path';

const COMMON = 'the of and to in is it that for on with as was at by this from be are or an'.split(' ');
const TOPICS = (
  'lake mountain river train bread coffee garden winter summer autumn spring city village harbour ' +
  'python script macro static site markdown template feed archive photo camera light shadow book ' +
  'music piano guitar walk bicycle road bridge tower castle forest meadow cloud rain snow wind sun'
).split(' ');
const SYLLABLES = 'ka lo mi ne ru sa te vi do pa ri mo lu ze na fi go be tu ha'.split(' ');

/**
 * A vocabulary shaped like real prose: a few function words in every sentence, topic words, and a
 * long tail of rarer words (Zipf-like), so search costs resemble those of a real blog.
 */
function vocabulary(): string[] {
  const tail: string[] = [];
  for (const a of SYLLABLES)
    for (const b of SYLLABLES) for (const c of ['', 'n', 'r']) tail.push(`${a}${b}${c}`);
  return [...COMMON, ...TOPICS, ...tail];
}
const WORDS = vocabulary();

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export interface CorpusPost {
  slug: string;
  title: string;
  date: Date;
  tags: string[];
  category: string;
  body: string;
}

/** `tables`: bodies also hold a Markdown table (as hand-written technical posts do). */
export function generateCorpus(count: number, seed = 42, options: { tables?: boolean } = {}): CorpusPost[] {
  const r = rng(seed);
  // Zipf-like: index ~ N^u, so low ranks (common words) dominate and the tail is long.
  const pick = () => WORDS[Math.min(WORDS.length - 1, Math.floor(Math.pow(WORDS.length + 1, r())) - 1)]!;
  const topic = () => TOPICS[Math.floor(r() * TOPICS.length)]!;
  const sentence = (n: number) => {
    const w = Array.from({ length: n }, pick);
    w[0] = w[0]!.charAt(0).toUpperCase() + w[0]!.slice(1);
    return `${w.join(' ')}.`;
  };
  const start = Date.UTC(2018, 0, 1);
  const posts: CorpusPost[] = [];
  for (let i = 0; i < count; i++) {
    const title = `${topic().charAt(0).toUpperCase()}${topic().slice(1)} ${sentence(3).slice(0, -1).toLowerCase()} ${i}`;
    const paragraphs = Array.from({ length: 3 + Math.floor(r() * 4) }, () =>
      Array.from({ length: 3 + Math.floor(r() * 4) }, () => sentence(8 + Math.floor(r() * 10))).join(' '),
    );
    const body = [
      paragraphs[0],
      `## ${sentence(3).slice(0, -1)}`,
      ...paragraphs.slice(1, -1),
      `- ${sentence(4)}\n- ${sentence(5)}\n- ${sentence(3)}`,
      '```python\nprint("hello")\n```',
      ...(options.tables
        ? [
            `| ${topic()} | count | note |\n|---|---:|---|\n| ${topic()} | ${i} | ${sentence(3)} |\n| ${topic()} | ${i + 1} | ${sentence(2)} |`,
          ]
        : []),
      paragraphs.at(-1),
    ].join('\n\n');
    posts.push({
      slug: `post-${i}`,
      title,
      date: new Date(start + Math.floor(r() * 8 * 365 * 86400_000)),
      tags: [topic(), topic()].filter((t, k, a) => a.indexOf(t) === k),
      category: r() < 0.8 ? 'article' : 'aside',
      body: `${body}\n`,
    });
  }
  return posts;
}

/** Write the corpus as a bds project's post files. */
export function writeBdsPosts(root: string, posts: CorpusPost[]): void {
  for (const [i, p] of posts.entries()) {
    const iso = p.date.toISOString().replace('.000Z', 'Z');
    const dir = path.join(root, 'posts', iso.slice(0, 4), iso.slice(5, 7));
    fs.mkdirSync(dir, { recursive: true });
    const fm = [
      '---',
      `id: 00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      `title: ${JSON.stringify(p.title)}`,
      `slug: ${p.slug}`,
      'status: published',
      `createdAt: ${iso}`,
      `updatedAt: ${iso}`,
      `publishedAt: ${iso}`,
      'tags:',
      ...p.tags.map((t) => `  - ${t}`),
      'categories:',
      `  - ${p.category}`,
      '---',
    ].join('\n');
    fs.writeFileSync(path.join(dir, `${p.slug}.md`), `${fm}\n${p.body}`);
  }
}

/**
 * Write the corpus as posts written by hand or by another tool: no id, a `date:` key in two styles, titles
 * quoted both ways, flow lists, a lone `category`, comments and keys bds does not know; one folder a year,
 * file names as slugs. bds fills what is missing when it loads them.
 */
export function writeHandWrittenPosts(root: string, posts: CorpusPost[]): void {
  for (const [i, p] of posts.entries()) {
    const iso = p.date.toISOString().replace('.000Z', 'Z');
    const dir = path.join(root, 'posts', iso.slice(0, 4));
    fs.mkdirSync(dir, { recursive: true });
    const title =
      i % 3 === 0 ? JSON.stringify(p.title) : i % 3 === 1 ? `'${p.title.replaceAll("'", "''")}'` : p.title;
    const date = i % 2 === 0 ? iso : `${iso.slice(0, 10)} ${iso.slice(11, 19)} +00:00`;
    const fm = [
      '---',
      `# ${p.slug}, imported`,
      `title: ${title}`,
      `date: ${date}`,
      `tags: [${p.tags.join(', ')}]`,
      i % 2 === 0 ? `category: ${p.category}` : `categories: ["${p.category}"]`,
      'author: Jane Doe   # the usual',
      `description: 'Notes on ${p.tags[0] ?? 'things'}: part ${i}'`,
      'draft: false',
      `weight: ${i % 10}`,
      '---',
    ].join('\n');
    fs.writeFileSync(path.join(dir, `${p.slug}.md`), `${fm}\n${p.body}`);
  }
}
