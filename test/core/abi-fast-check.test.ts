// The quick look at a macro context (isPlainMacroContext) must never take what MacroContextSchema
// refuses, nor let through anything its parse would change: on contexts as bds makes them and on
// random variations of them, whatever it takes the schema takes and gives back equal, in the same order.
import { describe, expect, it } from 'vitest';
import { isPlainMacroContext, MacroContextSchema } from '../../src/core/abi.js';

const made = () => ({
  params: { n: 3, word: 'w', flag: true, neg: -1.5 },
  language: 'en',
  post_slug: 'spring-trip' as string | null,
  env: { isPreview: false, mainLanguage: 'en', source: { kind: 'macro', id: 'script-1' } },
});

/** A small deterministic random source. */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

const ODD_VALUES: unknown[] = [
  undefined,
  null,
  '',
  'x',
  0,
  -0,
  NaN,
  Infinity,
  1e308,
  true,
  [],
  [1],
  {},
  { a: 1 },
  Object.create(null),
  new Map(),
  () => 1,
];

/** One random change somewhere in a context: a value replaced, a key added, removed or moved. */
function vary(next: () => number): unknown {
  const ctx = made() as Record<string, unknown>;
  const objects: Record<string, unknown>[] = [
    ctx,
    ctx.params as Record<string, unknown>,
    ctx.env as Record<string, unknown>,
    (ctx.env as Record<string, Record<string, unknown>>).source!,
  ];
  const target = objects[Math.floor(next() * objects.length)]!;
  const keys = Object.keys(target);
  const pick = () => keys[Math.floor(next() * keys.length)]!;
  const odd = () => ODD_VALUES[Math.floor(next() * ODD_VALUES.length)];
  switch (Math.floor(next() * 5)) {
    case 0:
      target[pick()] = odd();
      break;
    case 1:
      target[next() < 0.5 ? 'extra' : '__proto__'] = odd();
      break;
    case 2:
      delete target[pick()];
      break;
    case 3: {
      const key = pick();
      const value = target[key];
      delete target[key];
      target[key] = value;
      break;
    }
    default:
      Object.defineProperty(target, pick(), { value: odd(), enumerable: true });
  }
  return ctx;
}

describe('isPlainMacroContext', () => {
  it('takes the contexts bds makes, as the schema does', () => {
    const contexts = [
      made(),
      { ...made(), params: {} },
      { ...made(), post_slug: null },
      { ...made(), env: { isPreview: true, mainLanguage: 'de', source: { kind: 'macro', id: 'x' } } },
    ];
    for (const ctx of contexts) {
      expect(isPlainMacroContext(ctx)).toBe(true);
      expect(JSON.stringify(MacroContextSchema.parse(ctx))).toBe(JSON.stringify(ctx));
    }
  });

  it('never takes what the schema refuses or would change', () => {
    const next = random(42);
    let taken = 0;
    let refused = 0;
    for (let i = 0; i < 20_000; i++) {
      const ctx = vary(next);
      const parsed = MacroContextSchema.safeParse(ctx);
      if (isPlainMacroContext(ctx)) {
        taken++;
        expect(parsed.success, JSON.stringify(ctx)).toBe(true);
        expect(JSON.stringify(parsed.data)).toBe(JSON.stringify(ctx));
      } else if (!parsed.success) refused++;
    }
    // Both sides were exercised.
    expect(taken).toBeGreaterThan(1000);
    expect(refused).toBeGreaterThan(1000);
  });
});
