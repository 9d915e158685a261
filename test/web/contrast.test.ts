// WCAG AA contrast of the app's colours, light and dark, read from the stylesheet the app ships: text on
// every surface it is set on, links, the primary button, state words and error messages (4.5:1).
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';

const css = fs.readFileSync('web/src/styles.css', 'utf8');

function block(selector: string): Record<string, string> {
  const at = css.indexOf(`${selector} {`);
  if (at < 0) throw new Error(`no ${selector} block in styles.css`);
  const body = css.slice(at, css.indexOf('}', at));
  const vars: Record<string, string> = {};
  for (const m of body.matchAll(/--([\w-]+):\s*(#[0-9a-fA-F]{6})\s*;/g)) vars[m[1]!] = m[2]!;
  return vars;
}

function luminance(hex: string): number {
  const n = parseInt(hex.slice(1), 16);
  const [r, g, b] = [(n >> 16) & 255, (n >> 8) & 255, n & 255].map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

const PAIRS: [fg: string, bg: string][] = [
  ...['bg', 'bg-side', 'bg-raised', 'bg-hover', 'bg-selected'].map((bg) => ['text', bg] as [string, string]),
  ...['bg', 'bg-side', 'bg-raised'].map((bg) => ['text-muted', bg] as [string, string]),
  ['accent', 'bg'],
  ['accent', 'bg-raised'],
  ['accent-text', 'accent'],
  ['draft', 'bg'],
  ['published', 'bg'],
  ['archived', 'bg'],
  ['error', 'bg'],
  ['error', 'bg-raised'],
  ['error', 'error-bg'],
  // Code colours on the editors' background.
  ...['keyword', 'string', 'number', 'comment', 'function', 'type', 'heading', 'link'].map(
    (k) => [`syn-${k}`, 'bg-raised'] as [string, string],
  ),
];

describe('colour contrast', () => {
  it('knows a failing pair when it sees one', () => {
    expect(contrast('#777777', '#888888')).toBeLessThan(4.5);
    expect(contrast('#000000', '#ffffff')).toBeCloseTo(21, 5);
  });

  const light = block(':root');
  const dark = { ...light, ...block(":root[data-theme='dark']") };
  for (const [name, vars] of [
    ['light', light],
    ['dark', dark],
  ] as const) {
    it(`meets WCAG AA (4.5:1) for text in the ${name} theme`, () => {
      const failing = PAIRS.filter(([fg, bg]) => {
        expect(vars[fg], `--${fg}`).toBeDefined();
        expect(vars[bg], `--${bg}`).toBeDefined();
        return contrast(vars[fg]!, vars[bg]!) < 4.5;
      }).map(([fg, bg]) => `--${fg} on --${bg}: ${contrast(vars[fg]!, vars[bg]!).toFixed(2)}`);
      expect(failing).toEqual([]);
    });
  }
});
