// A utility run followed as it runs over HTTP (`Accept: application/x-ndjson`): its output arrives line by
// line before the result, and closing the request stops a runaway script on the server's real Python;
// the run is kept as stopped and the next run works.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveProject, type ServedProject } from '../helpers/server.js';

describe('following a script run over HTTP', () => {
  let s: ServedProject;

  beforeAll(async () => {
    s = await serveProject();
    await s.client.call('scripts.create', {
      title: 'counter',
      kind: 'utility',
      code: 'def main(context):\n    for i in range(3):\n        print("line", i, flush=True)\n    return {"done": 3}\n',
    });
    await s.client.call('scripts.create', {
      title: 'spin',
      kind: 'utility',
      code: 'def main(context):\n    i = 0\n    while True:\n        i += 1\n        if i % 200000 == 0:\n            print("still going", i, flush=True)\n',
    });
  }, 60_000);

  afterAll(async () => {
    await s.close();
  });

  it('streams the output, then answers the result like a plain call', async () => {
    const lines: string[] = [];
    const r = await s.client.callStreaming(
      'scripts.run',
      { ref: 'counter' },
      { onOutput: (stream, text) => lines.push(`${stream}:${text}`) },
    );
    expect(r).toMatchObject({ status: 'ok', value: { done: 3 } });
    // Output comes in batches as the worker sends it, all of it before the result.
    expect(lines.every((l) => l.startsWith('stdout:'))).toBe(true);
    expect(lines.map((l) => l.slice('stdout:'.length)).join('')).toBe('line 0\nline 1\nline 2\n');
  }, 60_000);

  it('Stop (closing the request) stops a runaway script; the run is kept as stopped and the next run works', async () => {
    const ctl = new AbortController();
    let got = '';
    const run = s.client.callStreaming(
      'scripts.run',
      { ref: 'spin' },
      {
        signal: ctl.signal,
        onOutput: (_stream, text) => {
          got += text;
          ctl.abort();
        },
      },
    );
    const t0 = Date.now();
    await expect(run).rejects.toThrow(/abort/i);
    console.info(`stop: aborted after ${Date.now() - t0} ms`);
    expect(got).toContain('still going');
    await expect
      .poll(async () => (await s.client.call('scripts.runs', { ref: 'spin' }))[0]?.status, {
        timeout: 10_000,
      })
      .toBe('stopped');
    console.info(`stop: recorded as stopped after ${Date.now() - t0} ms`);
    expect((await s.client.call('scripts.run', { ref: 'counter' })).status).toBe('ok');
  }, 60_000);
});
