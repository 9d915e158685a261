// Markdown in CodeMirror 6: highlighting, soft wrap, undo, find and replace (Ctrl/Cmd-F). The text is
// the caller's: `value` replaces it only when it differs (an outside change taken), edits go to `onChange`.
import { markdown } from '@codemirror/lang-markdown';
import { unifiedMergeView } from '@codemirror/merge';
import { Compartment } from '@codemirror/state';
import { EditorView, placeholder } from '@codemirror/view';
import { useEffect, useRef } from 'react';
import { commonExtensions, useCodeMirror } from './code-editor.js';
import { macroAwareness, setMacroCatalogue, type MacroCatalogue } from './macro-marks.js';

export interface MarkdownEditorProps {
  value: string;
  onChange(text: string): void;
  /** Ctrl/Cmd-S. */
  onSave(): void;
  label: string;
  /** Files pasted or dropped: resolves to the Markdown that stands for each (a link, an image). */
  onFile?(file: File): Promise<string>;
  /** When given, the changes against this text are shown in place (removed lines in red, added in green). */
  original?: string;
  /** The share of the text scrolled past, 0 to 1, as the user scrolls (the preview follows it). */
  onScroll?(share: number): void;
  /** The project's macro scripts: `[[name]]` is marked by what runs, and names complete after `[[`. */
  macros?: MacroCatalogue;
  /** Put the cursor here (1-based line and column of the text) and show it; a new `seq` moves it again. */
  cursorAt?: { line: number; column: number; seq: number };
}

let uploads = 0;

function compareWith(original: string | undefined) {
  return original === undefined
    ? []
    : unifiedMergeView({ original, mergeControls: false, gutter: true, highlightChanges: true });
}

/**
 * Puts a placeholder where the files go, then replaces it with what `onFile` answers (or removes it
 * when the upload fails: the error is shown by `onFile`'s caller).
 */
function insertFiles(
  view: EditorView,
  files: File[],
  at: number,
  onFile: (f: File) => Promise<string>,
): void {
  for (const file of files) {
    const mark = `![Uploading ${file.name} (${++uploads})…]()`;
    const text = `${mark}\n`;
    view.dispatch({ changes: { from: at, insert: text } });
    at += text.length;
    const replace = (insert: string) => {
      const doc = view.state.doc.toString();
      const from = doc.indexOf(mark);
      if (from >= 0) view.dispatch({ changes: { from, to: from + mark.length, insert } });
    };
    onFile(file).then(replace, () => replace(''));
  }
}

export function MarkdownEditor({
  value,
  onChange,
  onSave,
  label,
  onFile,
  original,
  onScroll,
  macros,
  cursorAt,
}: MarkdownEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const compare = useRef(new Compartment());
  const handlers = useRef({ onChange, onSave, onFile, onScroll });
  handlers.current = { onChange, onSave, onFile, onScroll };

  const view = useCodeMirror(host, value, () => [
    commonExtensions(label, handlers),
    markdown(),
    EditorView.lineWrapping,
    placeholder('Write in Markdown…'),
    compare.current.of(compareWith(original)),
    macroAwareness(),
    EditorView.domEventHandlers({
      scroll: (_e, v) => {
        const el = v.scrollDOM;
        const room = el.scrollHeight - el.clientHeight;
        handlers.current.onScroll?.(room > 0 ? el.scrollTop / room : 0);
      },
      paste: (e, v) => {
        const files = [...(e.clipboardData?.files ?? [])];
        const onFile = handlers.current.onFile;
        if (files.length === 0 || !onFile) return false;
        e.preventDefault();
        insertFiles(v, files, v.state.selection.main.head, onFile);
        return true;
      },
      drop: (e, v) => {
        const files = [...(e.dataTransfer?.files ?? [])];
        const onFile = handlers.current.onFile;
        if (files.length === 0 || !onFile) return false;
        e.preventDefault();
        const at = v.posAtCoords({ x: e.clientX, y: e.clientY }) ?? v.state.selection.main.head;
        insertFiles(v, files, at, onFile);
        return true;
      },
    }),
  ]);

  useEffect(() => {
    view.current?.dispatch({ effects: compare.current.reconfigure(compareWith(original)) });
  }, [original]);

  useEffect(() => {
    if (macros) view.current?.dispatch({ effects: setMacroCatalogue.of(macros) });
  }, [macros]);

  useEffect(() => {
    const v = view.current;
    if (!v || !cursorAt) return;
    const doc = v.state.doc;
    const line = doc.line(Math.min(Math.max(1, cursorAt.line), doc.lines));
    const pos = Math.min(line.from + Math.max(0, cursorAt.column - 1), line.to);
    v.dispatch({ selection: { anchor: pos }, effects: EditorView.scrollIntoView(pos, { y: 'center' }) });
    v.focus();
  }, [cursorAt?.seq]);

  return <div className="cm-host" ref={host} />;
}
