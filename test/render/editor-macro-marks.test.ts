// The editor's macro marks find macros with the renderer's recogniser: what the renderer runs is marked
// by what runs it, a name the renderer leaves to Markdown is marked as such where Markdown has text, and
// nothing in code, raw HTML or a link destination is marked.
import { EditorState } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import { describe, expect, it } from 'vitest';
import {
  macroAwareness,
  setMacroCatalogue,
  type MacroCatalogue,
} from '../../web/src/components/macro-marks.js';

/** A trusted macro script (with the parameters it reads, which the editor's hover shows). */
function script(slug: string, enabled: boolean) {
  return { slug, title: slug, path: `scripts/${slug}.py`, enabled, trusted: true, params: [] as string[] };
}

const scripts: MacroCatalogue = new Map([
  ['greet', script('greet', true)],
  ['off', script('off', false)],
]);

/** The marked text and its kind, in document order. */
function marks(doc: string): [string, string][] {
  let state = EditorState.create({ doc, extensions: [macroAwareness()] });
  state = state.update({ effects: setMacroCatalogue.of(scripts) }).state;
  // The editor keeps its text with \n line ends: positions are in that text.
  const text = state.doc.toString();
  const found: [string, string][] = [];
  for (const set of state.facet(EditorView.decorations)) {
    if (typeof set === 'function') continue;
    set.between(0, text.length, (from, to, deco) => {
      found.push([text.slice(from, to), String(deco.spec.attributes?.['data-macro'])]);
    });
  }
  return found;
}

describe('macro marks in the editor', () => {
  it('mark built-ins, scripts, disabled scripts and unknown names where Markdown has text', () => {
    expect(marks('A [[youtube id=x]] and [[Greet]], [[off]] and [[nope a=1]].')).toEqual([
      ['[[youtube id=x]]', 'builtin'],
      ['[[Greet]]', 'python'],
      ['[[off]]', 'disabled'],
      ['[[nope a=1]]', 'unknown'],
    ]);
  });

  it('mark nothing in code, raw HTML or a link destination', () => {
    expect(
      marks('`[[greet]]`\n\n    [[greet]]\n\n<!-- [[greet]] -->\n\n[a]([[greet]]) <b title="[[greet]]">'),
    ).toEqual([]);
  });

  it('mark a macro at its place in a document written with CRLF line ends', () => {
    expect(marks('one\r\n\r\ntwo [[greet]]')).toEqual([['[[greet]]', 'python']]);
  });
});
