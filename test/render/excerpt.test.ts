// truncateText walks only the head of a long text; it must cut exactly where spreading the text into
// code points would.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { truncateText } from '../../src/render/index.js';

/** What truncateText did before it stopped spreading the whole text. */
function spreadTruncate(text: string, max: number): string {
  const chars = [...text];
  if (chars.length <= max) return text;
  let cut = chars.slice(0, max - 1).join('');
  const space = cut.lastIndexOf(' ');
  if (space > cut.length / 2) cut = cut.slice(0, space);
  return `${cut.replace(/[\s,;:.!?\-–—]+$/u, '')}…`;
}

const piece = fc.constantFrom(
  'a',
  'bc ',
  ' ',
  '.',
  ',',
  '—',
  'é',
  '😀',
  '\ud800',
  '\udc00',
  '𝒜b',
  '\n',
  'word ',
);

describe('truncateText', () => {
  it('cuts as a split into code points would, with surrogate pairs and lone surrogates', () => {
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 80 }), fc.integer({ min: 1, max: 40 }), (parts, max) => {
        const text = parts.join('');
        expect(truncateText(text, max)).toBe(spreadTruncate(text, max));
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps a text of exactly max code points, and cuts one more', () => {
    expect(truncateText('😀'.repeat(5), 5)).toBe('😀'.repeat(5));
    expect(truncateText('😀'.repeat(6), 5)).toBe(`${'😀'.repeat(4)}…`);
    expect(truncateText('one two three four five six', 12)).toBe('one two…');
  });
});
