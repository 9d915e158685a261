// Python in CodeMirror 6: highlighting, indentation, undo, find and replace, and the problems the
// caller found (Python's own parser) underlined at their line and column. The text is the caller's:
// `value` replaces it only when it differs, edits go to `onChange`.
import { python } from '@codemirror/lang-python';
import { indentUnit } from '@codemirror/language';
import { lintGutter, setDiagnostics, type Diagnostic } from '@codemirror/lint';
import type { Text } from '@codemirror/state';
import { lineNumbers } from '@codemirror/view';
import { useEffect, useRef } from 'react';
import { commonExtensions, useCodeMirror } from './code-editor.js';

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

/** The problems as CodeMirror diagnostics: underlined at their line and column (the Liquid editor too). */
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

export function PythonEditor({ value, onChange, onSave, label, problems }: PythonEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const handlers = useRef({ onChange, onSave });
  handlers.current = { onChange, onSave };
  const view = useCodeMirror(host, value, () => [
    commonExtensions(label, handlers),
    lineNumbers(),
    python(),
    indentUnit.of('    '),
    lintGutter(),
  ]);

  useEffect(() => {
    const v = view.current;
    if (!v) return;
    v.dispatch(setDiagnostics(v.state, diagnostics(v.state.doc, problems)));
  }, [problems]);

  return <div className="cm-host code" ref={host} />;
}
