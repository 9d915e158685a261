// Python in CodeMirror 6: highlighting, indentation, undo, find and replace, and the problems the
// caller found (Python's own parser) underlined at their line and column. The text is the caller's:
// `value` replaces it only when it differs, edits go to `onChange`.
import { python } from '@codemirror/lang-python';
import { indentUnit } from '@codemirror/language';
import { lintGutter } from '@codemirror/lint';
import { lineNumbers } from '@codemirror/view';
import { useRef } from 'react';
import { commonExtensions, useCodeMirror, useProblemMarks, type CodeProblem } from './code-editor.js';

export interface PythonEditorProps {
  value: string;
  onChange(text: string): void;
  /** Ctrl/Cmd-S. */
  onSave(): void;
  label: string;
  problems: CodeProblem[];
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

  useProblemMarks(view, problems);

  return <div className="cm-host code" ref={host} />;
}
