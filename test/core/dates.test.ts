import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dateParts, formatIsoInZone } from '../../src/core/dates.js';

describe('dates', () => {
  it('the UTC fast path gives what the time zone database gives for UTC', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('1000-01-01T00:00:00Z'),
          max: new Date('9999-12-31T23:59:59Z'),
          noInvalidDate: true,
        }),
        (d) => {
          expect(dateParts(d, 'UTC')).toEqual(dateParts(d, 'Etc/UTC'));
          expect(formatIsoInZone(d, 'UTC').replace(/Z$/, '+00:00')).toBe(formatIsoInZone(d, 'Etc/UTC'));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('other zones keep their offset and calendar day', () => {
    const d = new Date('2026-03-01T23:30:00Z');
    expect(dateParts(d, 'Europe/Berlin')).toMatchObject({ year: '2026', month: '03', day: '02', hour: '00' });
    expect(formatIsoInZone(d, 'America/St_Johns')).toBe('2026-03-01T20:00:00-03:30');
  });
});
