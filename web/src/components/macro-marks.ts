// Macros in the Markdown editor, found by the renderer's own parser (so macros inside code are not
// marked, exactly as the renderer leaves them): each `[[name ...]]` is marked as a built-in, an enabled
// Python macro, an untrusted or disabled script, or unknown, with a title saying which one runs and with
// what parameters; after `[[` the names complete, and inside a macro the parameters it reads.
import { autocompletion, type CompletionContext, type CompletionResult } from '@codemirror/autocomplete';
import { StateEffect, StateField, type EditorState, type Extension } from '@codemirror/state';
import { Decoration, EditorView, type DecorationSet } from '@codemirror/view';
import { BUILTIN_MACROS, BUILTIN_PARAMS } from '../../../src/render/builtins/index.js';
import { parseMacros } from '../../../src/render/macro-parser.js';

export interface MacroScript {
  slug: string;
  title: string;
  path: string;
  enabled: boolean;
  trusted: boolean;
  /** The parameters its code reads. */
  params: readonly string[];
}

/** The macro scripts of the project by slug (lower case). */
export type MacroCatalogue = ReadonlyMap<string, MacroScript>;

export const setMacroCatalogue = StateEffect.define<MacroCatalogue>();

const catalogue = StateField.define<MacroCatalogue>({
  create: () => new Map(),
  update(value, tr) {
    for (const e of tr.effects) if (e.is(setMacroCatalogue)) return e.value;
    return value;
  },
});

export type MacroKind = 'builtin' | 'python' | 'untrusted' | 'disabled' | 'unknown';

export function classifyMacro(name: string, scripts: MacroCatalogue): { kind: MacroKind; about: string } {
  if (BUILTIN_MACROS.has(name)) return { kind: 'builtin', about: `built-in macro ${name}` };
  const s = scripts.get(name);
  if (!s) return { kind: 'unknown', about: `No macro named ${name}: the text stays as written` };
  if (!s.trusted) {
    return {
      kind: 'untrusted',
      about: `${s.path} is not trusted: it does not run until you trust it in Scripts`,
    };
  }
  if (!s.enabled) return { kind: 'disabled', about: `${s.path} is disabled: the text stays as written` };
  const reads = s.params.length ? `, reads ${s.params.join(', ')}` : '';
  return { kind: 'python', about: `Python macro ${s.path} (${s.title}${reads})` };
}

function describeParams(params: Record<string, unknown>): string {
  const keys = Object.keys(params);
  return keys.length === 0 ? 'no parameters' : keys.map((k) => `${k}=${JSON.stringify(params[k])}`).join(' ');
}

function marksOf(state: EditorState): DecorationSet {
  const text = state.doc.toString();
  if (!text.includes('[[')) return Decoration.none;
  const scripts = state.field(catalogue);
  // What the renderer runs (built-ins, enabled scripts) are macros; other names stay Markdown, and are
  // marked where Markdown has text, as the renderer reports them.
  const { macros, unknown } = parseMacros(text, {
    isMacro: (name) => BUILTIN_MACROS.has(name) || scripts.get(name)?.enabled === true,
  });
  return Decoration.set(
    [...macros, ...unknown].map((m) => {
      const { kind, about } = classifyMacro(m.name, scripts);
      return Decoration.mark({
        class: `cm-macro cm-macro-${kind}`,
        attributes: { title: `${about}; ${describeParams(m.params)}`, 'data-macro': kind },
      }).range(m.start, m.end);
    }),
    true,
  );
}

const marks = StateField.define<DecorationSet>({
  create: marksOf,
  update(value, tr) {
    if (tr.docChanged || tr.effects.some((e) => e.is(setMacroCatalogue))) return marksOf(tr.state);
    return value;
  },
  provide: (f) => EditorView.decorations.from(f),
});

export function completeMacroName(context: CompletionContext): CompletionResult | null {
  const before = context.matchBefore(/\[\[[a-z0-9_]*$/i);
  if (!before) return null;
  const scripts = context.state.field(catalogue);
  const options = [
    ...[...BUILTIN_MACROS.keys()].map((name) => ({ label: name, detail: 'built-in', type: 'keyword' })),
    ...[...scripts.values()]
      .filter((s) => s.enabled && s.trusted && !BUILTIN_MACROS.has(s.slug))
      .map((s) => ({ label: s.slug, detail: `Python: ${s.title}`, type: 'function' })),
  ];
  return { from: before.from + 2, options, validFor: /^[a-z0-9_]*$/i };
}

/** Inside `[[name ... ` : the parameters `name` reads that the call does not give yet. */
export function completeMacroParam(context: CompletionContext): CompletionResult | null {
  const before = context.matchBefore(
    /\[\[([a-z0-9_]+)((?:\s+[\w-]+(?:=(?:"[^"\n]*"|[^\s\]"]*))?)*)\s+([\w-]*)$/i,
  );
  if (!before) return null;
  const m = /^\[\[([a-z0-9_]+)((?:\s+[\w-]+(?:=(?:"[^"\n]*"|[^\s\]"]*))?)*)\s+([\w-]*)$/i.exec(before.text);
  if (!m) return null;
  const name = m[1]!.toLowerCase();
  const script = context.state.field(catalogue).get(name);
  const known = BUILTIN_PARAMS.get(name) ?? (script ? script.params : undefined);
  if (!known || known.length === 0) return null;
  const given = new Set([...m[2]!.matchAll(/([\w-]+)(?==|\s|$)/g)].map((g) => g[1]!));
  const options = known
    .filter((p) => !given.has(p))
    .map((p) => ({
      label: p,
      apply: `${p}=""`,
      detail: BUILTIN_MACROS.has(name) ? `${name} (built-in)` : `read by ${script?.path ?? name}`,
      type: 'property',
    }));
  if (options.length === 0) return null;
  return { from: before.to - m[3]!.length, options, validFor: /^[\w-]*$/ };
}

export function macroAwareness(): Extension {
  return [
    catalogue,
    marks,
    autocompletion({ override: [completeMacroName, completeMacroParam], icons: false }),
  ];
}
