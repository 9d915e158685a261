// What both editors share: the look (from the app's CSS variables), undo, find and replace, the
// keys (Ctrl/Cmd-S saves), the text going out to `onChange`, and a view made once per mounted editor
// whose text follows `value` only when it differs (an outside change taken).
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { highlightSelectionMatches, search, searchKeymap } from '@codemirror/search';
import { EditorState, type Extension } from '@codemirror/state';
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
