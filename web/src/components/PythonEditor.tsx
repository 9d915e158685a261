// Python in CodeMirror 6: highlighting, indentation, undo, find and replace, and the problems the
// caller found (Python's own parser) underlined at their line and column. The text is the caller's:
// `value` replaces it only when it differs, edits go to `onChange`.
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { python } from '@codemirror/lang-python';
import { indentUnit } from '@codemirror/language';
import { lintGutter, setDiagnostics, type Diagnostic } from '@codemirror/lint';
import { highlightSelectionMatches, search, searchKeymap } from '@codemirror/search';
import { EditorState, type Text } from '@codemirror/state';
import { EditorView, keymap, lineNumbers } from '@codemirror/view';
import { useEffect, useRef } from 'react';
import { codeHighlighting } from './highlight.js';
import { editorTheme } from './MarkdownEditor.js';

/** A problem at a 1-based line and column of the text. */
export interface CodeProblem {
  line: number;
  column: number;
  endLine?: number;
  endColumn?: number;
  message: string;
  severity: 'error' | 'warning';
}

export interface PythonEditorProps {
  value: string;
  onChange(text: string): void;
  /** Ctrl/Cmd-S. */
  onSave(): void;
  label: string;
  problems: CodeProblem[];
}

function offset(doc: Text, line: number, column: number): number {
  const l = doc.line(Math.max(1, Math.min(doc.lines, line)));
  return Math.min(l.to, l.from + Math.max(0, column - 1));
}

function diagnostics(doc: Text, problems: CodeProblem[]): Diagnostic[] {
  return problems.map((p) => {
    const from = offset(doc, p.line, p.column);
    let to = p.endLine ? offset(doc, p.endLine, p.endColumn ?? p.column + 1) : from + 1;
    if (to <= from) to = Math.min(doc.length, from + 1);
    // At the very end of a line there is nothing to underline: mark the character before.
    const start = from === to && from > 0 ? from - 1 : from;
    return { from: start, to: Math.max(to, start), severity: p.severity, message: p.message };
  });
}

export function PythonEditor({ value, onChange, onSave, label, problems }: PythonEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const handlers = useRef({ onChange, onSave });
  handlers.current = { onChange, onSave };

  useEffect(() => {
    const v = new EditorView({
      parent: host.current!,
      state: EditorState.create({
        doc: value,
        extensions: [
          lineNumbers(),
          history(),
          python(),
          indentUnit.of('    '),
          codeHighlighting,
          search({ top: true }),
          highlightSelectionMatches(),
          lintGutter(),
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
        ],
      }),
    });
    view.current = v;
    return () => {
      v.destroy();
      view.current = null;
    };
    // The view is made once per mounted editor; `value` and `problems` are synced below.
  }, []);

  useEffect(() => {
    const v = view.current;
    if (!v) return;
    const current = v.state.doc.toString();
    if (current !== value) v.dispatch({ changes: { from: 0, to: current.length, insert: value } });
  }, [value]);

  useEffect(() => {
    const v = view.current;
    if (!v) return;
    v.dispatch(setDiagnostics(v.state, diagnostics(v.state.doc, problems)));
  }, [problems]);

  return <div className="cm-host code" ref={host} />;
}
