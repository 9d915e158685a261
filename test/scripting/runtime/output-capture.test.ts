// The per-run output capture: UTF-8 split across writes, batching, and the cap with its marker.
import { describe, expect, it } from 'vitest';
import { OutputCapture } from '../../../src/scripting/runtime/output-capture.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

function capture(limit: number): { cap: OutputCapture; out: string[] } {
  const cap = new OutputCapture(limit);
  const out: string[] = [];
  cap.begin((stream, text) => out.push(`${stream}:${text}`));
  return { cap, out };
}

describe('OutputCapture', () => {
  it('decodes a character split across two writes', () => {
    const { cap, out } = capture(1000);
    const euro = bytes('€');
    cap.write('stdout', euro.subarray(0, 1));
    cap.write('stdout', euro.subarray(1));
    cap.end();
    expect(out).toEqual(['stdout:€']);
  });

  it('keeps streams apart and sends what is pending at the end', () => {
    const { cap, out } = capture(1000);
    cap.write('stdout', bytes('a'));
    cap.write('stderr', bytes('b'));
    cap.write('stdout', bytes('c'));
    expect(out).toEqual([]);
    expect(cap.end()).toEqual({ truncated: false });
    expect(out).toEqual(['stdout:ac', 'stderr:b']);
  });

  it('sends the first finished lines of a run at once (a script may print a line, then work silently)', () => {
    const { cap, out } = capture(100_000);
    cap.write('stdout', bytes('looking around\n'));
    expect(out).toEqual(['stdout:looking around\n']);
    cap.write('stdout', bytes('half a line'));
    expect(out).toHaveLength(1);
    // A chatty script is batched after its first lines: fewer messages than lines.
    for (let i = 0; i < 1000; i++) cap.write('stdout', bytes(`line ${i}\n`));
    cap.end();
    expect(out.length).toBeLessThan(100);
    expect(out.join('')).toContain('half a lineline 0\n');
  });

  it('cuts a stream at the limit, adds one marker, and ignores the rest', () => {
    const { cap, out } = capture(10);
    expect(cap.write('stdout', bytes('0123456789abcdef'))).toBe(16);
    cap.write('stdout', bytes('more'));
    expect(cap.end()).toEqual({ truncated: true });
    expect(out.join('')).toBe('stdout:0123456789\n[bds: output truncated after 10 bytes]\n');
  });

  it('sends large output in batches while the run goes on', () => {
    const { cap, out } = capture(1 << 20);
    for (let i = 0; i < 40; i++) cap.write('stdout', bytes('x'.repeat(1000)));
    expect(out.length).toBeGreaterThan(1);
    cap.end();
    expect(out.map((o) => o.slice('stdout:'.length)).join('')).toHaveLength(40_000);
  });

  it('drops writes outside a run', () => {
    const cap = new OutputCapture(100);
    expect(cap.write('stdout', bytes('early'))).toBe(5);
    const out: string[] = [];
    cap.begin((_s, text) => out.push(text));
    cap.end();
    expect(out).toEqual([]);
  });
  it('ends a run cut in the middle of a character with U+FFFD, and starts the next run clean', () => {
    const cap = new OutputCapture(1000);
    const out: string[] = [];
    cap.begin((stream, text) => out.push(`${stream}:${text}`));
    cap.write('stdout', bytes('€').subarray(0, 1));
    cap.end();
    cap.begin((stream, text) => out.push(`${stream}:${text}`));
    cap.write('stdout', bytes('a'));
    cap.end();
    expect(out).toEqual(['stdout:\uFFFD', 'stdout:a']);
  });

  it('sends nothing for a run that prints nothing', () => {
    const { cap, out } = capture(1000);
    expect(cap.end()).toEqual({ truncated: false });
    expect(out).toEqual([]);
  });

  it('cuts a stream at the limit in the middle of a character', () => {
    const { cap, out } = capture(4);
    cap.write('stdout', bytes('ab€'));
    expect(cap.end()).toEqual({ truncated: true });
    expect(out.join('')).toBe('stdout:ab\uFFFD\n[bds: output truncated after 4 bytes]\n');
  });
});
