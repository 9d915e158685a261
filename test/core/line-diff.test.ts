import { describe, expect, it } from 'vitest';
import { lineDiff } from '../../src/core/line-diff.js';

const show = (a: string, b: string) => lineDiff(a, b).map((l) => `${l.op}${l.text}`);

describe('lineDiff', () => {
  it('keeps common lines and marks removed and added ones in order', () => {
    expect(show('a\nb\nc', 'a\nx\nc\nd')).toEqual([' a', '-b', '+x', ' c', '+d']);
  });
  it('handles empty sides and equal texts', () => {
    expect(show('', 'a')).toEqual(['-', '+a']);
    expect(show('same\n', 'same\n')).toEqual([' same', ' ']);
  });
});
