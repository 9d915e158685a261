// bench:blogmark — blogmarks.capture through the workspace: a capture with no transform (checks, the
// draft's file and index row), the first capture with N transforms (Python starts), and warm captures
// with N transforms, each adding a tag (one also reads the blog through bds_api).
// Flags: --transforms N (default 5), --captures M (default 50), --mode worker|main-thread, --json.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Workspace } from '../src/app/workspace.js';
import { benchArgs, percentile, round } from './args.js';

const args = benchArgs();
const transforms = Number(args.get('transforms', '5'));
const captures = Number(args.get('captures', '50'));
const mode = args.get('mode', 'worker') as 'worker' | 'main-thread';
if (mode !== 'worker' && mode !== 'main-thread') throw new Error('--mode must be worker or main-thread');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bds-bench-blogmark-'));
const root = path.join(tmp, 'blog');
fs.mkdirSync(root);
fs.writeFileSync(
  path.join(root, 'bds.json'),
  JSON.stringify({ id: '0b0e8f5e-6a43-4d2a-9a55-5d0c6a1fbe01', name: 'Bench', timezone: 'UTC' }),
);
const ws = Workspace.open(root, { home: path.join(tmp, 'home') });

function stats(ms: number[]) {
  const sorted = [...ms].sort((a, b) => a - b);
  return {
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    mean: round(sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length)),
  };
}

async function run(label: string, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = await ws.call('blogmarks.capture', {
      url: `https://example.com/${label}/${i}`,
      title: `Page ${i}`,
    });
    if (r.errors.length) throw new Error(`${r.errors[0]!.slug}: ${r.errors[0]!.message}`);
    out.push(r.ms);
  }
  return out;
}

try {
  await ws.call('settings.set', { key: 'pythonRuntimeMode', value: mode });
  const bare = await run('bare', captures);
  for (let i = 0; i < transforms; i++) {
    await ws.call('scripts.create', {
      title: `t${i}`,
      slug: `t${i}`,
      kind: 'transform',
      order: i,
      code:
        i === 0
          ? 'import bds_api\ndef transform(post, context):\n    bds_api.tags.list()\n    post["tags"].append("t0")\n    return post\n'
          : `def transform(post, context):\n    post["tags"].append("t${i}")\n    return post\n`,
    });
  }
  const [first] = await run('first', 1);
  const warm = await run('warm', captures);
  const result = {
    mode,
    transforms,
    captures,
    noTransformMs: stats(bare),
    firstCaptureMs: round(first!),
    warmMs: stats(warm),
    perTransformMs: transforms ? round((stats(warm).p50 - stats(bare).p50) / transforms) : 0,
  };
  if (args.has('json')) console.log(JSON.stringify(result, null, 2));
  else {
    console.log(`blogmarks.capture (${mode} mode, ${os.availableParallelism()} CPUs)`);
    console.log(
      `  no transform:        p50 ${result.noTransformMs.p50} ms, p95 ${result.noTransformMs.p95} ms`,
    );
    console.log(`  first, ${transforms} transforms: ${result.firstCaptureMs} ms (Python starts)`);
    console.log(
      `  warm, ${transforms} transforms:  p50 ${result.warmMs.p50} ms, p95 ${result.warmMs.p95} ms`,
    );
    console.log(`  per transform:       ${result.perTransformMs} ms`);
  }
} finally {
  await ws.close();
  fs.rmSync(tmp, { recursive: true, force: true });
}
