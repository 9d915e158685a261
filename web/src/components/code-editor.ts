// What both editors share: the look (from the app's CSS variables), undo, find and replace, the
// keys (Ctrl/Cmd-S saves), the text going out to `onChange`, and a view made once per mounted editor
// whose text follows `value` only when it differs (an outside change taken).
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { highlightSelectionMatches, search, searchKeymap } from '@codemirror/search';
import { setDiagnostics, type Diagnostic } from '@codemirror/lint';
import { EditorState, type Extension, type Text } from '@codemirror/state';
import { EditorView, highlightActiveLine, keymap } from '@codemirror/view';
import { useEffect, useRef, type RefObject } from 'react';
import { codeHighlighting } from './highlight.js';

export const editorTheme = EditorView.theme({
  '&': { color: 'var(--text)', backgroundColor: 'var(--bg-raised)' },
  '.cm-content': { caretColor: 'var(--text)' },
  '.cm-cursor': { borderLeftColor: 'var(--text)' },
  '&.cm-focused .cm-selectionBackground, .cm-selectionBackground, ::selection': {
    backgroundColor: 'var(--bg-selected)',
  },
  '.cm-panels': { backgroundColor: 'var(--bg-side)', color: 'var(--text)' },
  '.cm-panels input, .cm-panels button': { color: 'var(--text)' },
  '.cm-searchMatch': { backgroundColor: 'rgb(255 200 0 / 0.35)' },
  '.cm-gutters': {
    backgroundColor: 'var(--bg-side)',
    color: 'var(--text-muted)',
    borderRight: '1px solid var(--border)',
  },
  '.cm-activeLineGutter': { backgroundColor: 'var(--bg-hover)' },
  // The line of the cursor, faintly: where a jump to a line (a build failure) landed.
  '.cm-activeLine': { backgroundColor: 'color-mix(in srgb, var(--accent) 5%, transparent)' },
  '&.cm-focused': { outline: 'none' },
});

export interface EditorHandlers {
  onChange(text: string): void;
  onSave(): void;
}

/** The shared extensions; `handlers` is read at each event, so the caller's latest callbacks run. */
export function commonExtensions(label: string, handlers: RefObject<EditorHandlers>): Extension {
  return [
    history(),
    highlightActiveLine(),
    codeHighlighting,
    search({ top: true }),
    highlightSelectionMatches(),
    keymap.of([
      {
        key: 'Mod-s',
        preventDefault: true,
        run: () => {
          handlers.current.onSave();
          return true;
        },
      },
      ...defaultKeymap,
      ...historyKeymap,
      ...searchKeymap,
      indentWithTab,
    ]),
    EditorView.updateListener.of((u) => {
      if (u.docChanged) handlers.current.onChange(u.state.doc.toString());
    }),
    EditorView.contentAttributes.of({ 'aria-label': label }),
    editorTheme,
  ];
}

/** A CodeMirror view in `host`, made once with `extensions()`; its text follows `value`. */
export function useCodeMirror(
  host: RefObject<HTMLDivElement | null>,
  value: string,
  extensions: () => Extension,
): RefObject<EditorView | null> {
  const view = useRef<EditorView | null>(null);
  useEffect(() => {
    const v = new EditorView({
      parent: host.current!,
      state: EditorState.create({ doc: value, extensions: extensions() }),
    });
    view.current = v;
    return () => {
      v.destroy();
      view.current = null;
    };
    // Made once per mounted editor; `value` is synced below.
  }, []);
  useEffect(() => {
    const v = view.current;
    if (!v) return;
    const current = v.state.doc.toString();
    if (current !== value) v.dispatch({ changes: { from: 0, to: current.length, insert: value } });
  }, [value]);
  return view;
}

/** A problem at a 1-based line and column of the text. */
export interface CodeProblem {
  line: number;
  column: number;
  endLine?: number;
  endColumn?: number;
  message: string;
  severity: 'error' | 'warning';
}

function offset(doc: Text, line: number, column: number): number {
  const l = doc.line(Math.max(1, Math.min(doc.lines, line)));
  return Math.min(l.to, l.from + Math.max(0, column - 1));
}

/** The problems as CodeMirror diagnostics: underlined at their line and column. */
export function diagnostics(doc: Text, problems: CodeProblem[]): Diagnostic[] {
  return problems.map((p) => {
    const from = offset(doc, p.line, p.column);
    let to = p.endLine ? offset(doc, p.endLine, p.endColumn ?? p.column + 1) : from + 1;
    if (to <= from) to = Math.min(doc.length, from + 1);
    // At the very end of a line there is nothing to underline: mark the character before.
    const start = from === to && from > 0 ? from - 1 : from;
    return { from: start, to: Math.max(to, start), severity: p.severity, message: p.message };
  });
}

/** Underlines `problems` in the view whenever they change. */
export function useProblemMarks(view: RefObject<EditorView | null>, problems: CodeProblem[]): void {
  useEffect(() => {
    const v = view.current;
    if (!v) return;
    v.dispatch(setDiagnostics(v.state, diagnostics(v.state.doc, problems)));
  }, [problems]);
}
