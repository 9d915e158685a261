// Parameter completion inside a macro in the editor: a script's parameters are found in its code, and
// inside `[[name ...` the editor offers those (or a built-in's) that the call does not give yet.
import { CompletionContext } from '@codemirror/autocomplete';
import { EditorState } from '@codemirror/state';
import { describe, expect, it } from 'vitest';
import { paramsReadBy } from '../../src/scripting/scripts/params.js';
import {
  completeMacroParam,
  macroAwareness,
  setMacroCatalogue,
  type MacroCatalogue,
} from '../../web/src/components/macro-marks.js';

const CODE = `def render(context, post):
    p = context["params"]
    text = p.get("text", "")
    size = context["params"]["size"]
    colour = context['params'].get('colour')
    return params.get("other") + str(p[name])
`;

describe('parameters a macro script reads', () => {
  it('finds params.get("x"), params["x"] and context["params"] forms, not computed names', () => {
    expect(paramsReadBy(CODE)).toEqual(['colour', 'other', 'size']);
    // `p.get("text")` reads through another name: not found, and not offered.
    expect(paramsReadBy('def render(c, p):\n    return ""\n')).toEqual([]);
  });
});

describe('parameter completion in the editor', () => {
  const scripts: MacroCatalogue = new Map([
    [
      'shout',
      {
        slug: 'shout',
        title: 'Shout',
        path: 'scripts/shout.py',
        enabled: true,
        trusted: true,
        params: ['size', 'text'],
      },
    ],
  ]);
  const complete = (doc: string) => {
    let state = EditorState.create({ doc, extensions: [macroAwareness()] });
    state = state.update({ effects: setMacroCatalogue.of(scripts) }).state;
    const result = completeMacroParam(new CompletionContext(state, doc.length, true));
    return result ? { from: result.from, labels: result.options.map((o) => o.label) } : null;
  };

  it("offers the script's parameters the call does not give yet", () => {
    expect(complete('Hi [[shout ')).toEqual({ from: 11, labels: ['size', 'text'] });
    expect(complete('Hi [[shout text="a b" s')).toEqual({ from: 22, labels: ['size'] });
    expect(complete('[[Shout size=3 text=x ')).toBeNull();
  });

  it("offers a built-in's parameters, and nothing outside a macro or for an unknown name", () => {
    expect(complete('[[youtube ')?.labels).toEqual(['id', 'title']);
    expect(complete('[[nope ')).toBeNull();
    expect(complete('plain text ')).toBeNull();
    expect(complete('[[shout]] after ')).toBeNull();
  });
});
