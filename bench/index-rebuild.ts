// bench:index — generate a project of N posts, time a full rebuild from files, an open that
// reconciles nothing, and search latency (p50/p95). `--json` prints one JSON object as the last line.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Workspace } from '../src/app/workspace.js';
import { initProject } from '../src/content/project.js';
import { benchArgs, percentile, round } from './args.js';
import { generateCorpus, writeBdsPosts } from './corpus.js';

const args = benchArgs();
const count = Number(args.get('posts', '10000'));
const queries = Number(args.get('queries', '500'));

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bds-bench-index-'));
try {
  initProject(root, { name: 'Bench' });
  const corpus = generateCorpus(count);
  writeBdsPosts(root, corpus);

  let t = performance.now();
  const ws = Workspace.open(root);
  const firstOpenMs = performance.now() - t;
  if ((await ws.call('posts.list', {})).length !== count)
    throw new Error(`indexed ${(await ws.call('posts.list', {})).length} of ${count} posts`);

  t = performance.now();
  const r = await ws.call('project.rebuild', {});
  const rebuildMs = performance.now() - t;
  if (r.posts?.indexed !== count) throw new Error(`rebuild indexed ${r.posts?.indexed} of ${count}`);
  await ws.close();

  t = performance.now();
  const again = Workspace.open(root);
  const reopenMs = performance.now() - t;

  // A rebuild leaves the search index to the first search, which fills it.
  t = performance.now();
  await again.call('posts.search', { query: 'lake', ...{ limit: 20 } });
  const firstSearchMs = performance.now() - t;

  const words = [
    'lake',
    'python macro',
    'bread',
    'castle forest',
    'tra',
    'winter sun',
    'piano',
    'bridge',
    'kalo',
    'mine',
  ];
  const times: number[] = [];
  let hits = 0;
  for (let i = 0; i < queries; i++) {
    const q = words[i % words.length]!;
    const s = performance.now();
    hits += (await again.call('posts.search', { query: q, ...{ limit: 20 } })).length;
    times.push(performance.now() - s);
  }
  times.sort((a, b) => a - b);
  // Worst case: a word in nearly every post still ranks all of them.
  const common: number[] = [];
  for (let i = 0; i < 50; i++) {
    const s = performance.now();
    await again.call('posts.search', { query: 'the', ...{ limit: 20 } });
    common.push(performance.now() - s);
  }
  common.sort((a, b) => a - b);
  await again.close();

  const result = {
    posts: count,
    rebuildMs: round(rebuildMs, 1),
    firstOpenMs: round(firstOpenMs, 1),
    reopenMs: round(reopenMs, 1),
    firstSearchMs: round(firstSearchMs, 1),
    searchP50Ms: round(percentile(times, 50), 3),
    searchP95Ms: round(percentile(times, 95), 3),
    searchHits: hits,
    commonWordP50Ms: round(percentile(common, 50), 3),
    goals: { rebuildUnder3s: rebuildMs < 3000, searchP50Under5ms: percentile(times, 50) < 5 },
  };
  console.log(`bds index benchmark, ${count} posts`);
  console.log(`  full rebuild from files: ${result.rebuildMs} ms (goal < 3000 ms)`);
  console.log(
    `  first open (fresh index): ${result.firstOpenMs} ms; reopen with nothing changed: ${result.reopenMs} ms`,
  );
  console.log(`  first search (fills the search index): ${result.firstSearchMs} ms`);
  console.log(
    `  search over ${queries} queries: p50 ${result.searchP50Ms} ms, p95 ${result.searchP95Ms} ms (goal p50 < 5 ms)`,
  );
  console.log(`  worst case, a word in every post ("the"): p50 ${result.commonWordP50Ms} ms`);
  if (args.has('json')) console.log(JSON.stringify(result));
} finally {
  fs.rmSync(root, { recursive: true, force: true });
}
