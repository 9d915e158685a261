// Liquid in CodeMirror 6: `{{ output }}`, `{% tag %}` and `{% comment %}` coloured over the HTML around
// them, line numbers, and the parse errors the server found underlined at their line and column.
// Read-only for a theme's own template (it is overridden before it is edited).
import { StreamLanguage, type StringStream } from '@codemirror/language';
import { lintGutter } from '@codemirror/lint';
import { EditorState } from '@codemirror/state';
import { lineNumbers } from '@codemirror/view';
import { useRef } from 'react';
import { commonExtensions, useCodeMirror, useProblemMarks, type CodeProblem } from './code-editor.js';

interface LiquidState {
  /** Inside `{{ }}` or `{% %}`: the closing delimiter. */
  close: '}}' | '%}' | null;
  /** Inside `{% comment %}…{% endcomment %}` or `{% raw %}`: the tag that ends it. */
  until: string | null;
  /** The first word of a tag (its name) is yet to come. */
  tagName: boolean;
}

const KEYWORDS = new Set(['and', 'or', 'not', 'contains', 'in', 'with', 'as', 'by', 'true', 'false', 'nil']);

/** A small tokenizer: enough to tell Liquid from the HTML it sits in, and strings and names within it. */
const liquid = StreamLanguage.define<LiquidState>({
  name: 'liquid',
  startState: () => ({ close: null, until: null, tagName: false }),
  token(stream: StringStream, state: LiquidState): string | null {
    if (state.until) {
      const end = stream.string.indexOf(state.until, stream.pos);
      if (end < 0) {
        stream.skipToEnd();
        return 'comment';
      }
      stream.pos = end;
      state.until = null;
      return stream.pos > stream.start ? 'comment' : null;
    }
    if (!state.close) {
      if (stream.match('{{') || stream.match('{%')) {
        state.close = stream.current().startsWith('{{') ? '}}' : '%}';
        state.tagName = state.close === '%}';
        stream.eat('-');
        return 'meta';
      }
      // Plain text up to the next delimiter.
      const next = stream.string.slice(stream.pos).search(/\{[{%]/);
      if (next < 0) stream.skipToEnd();
      else if (next === 0) stream.next();
      else stream.pos += next;
      return null;
    }
    if (stream.eatSpace()) return null;
    if (stream.match(/^-?[%}]}/)) {
      state.close = null;
      return 'meta';
    }
    if (stream.match(/^"[^"]*"?/) || stream.match(/^'[^']*'?/)) return 'string';
    if (stream.match(/^-?\d+(\.\d+)?/)) return 'number';
    const word = stream.match(/^[A-Za-z_][\w-]*\??/) as RegExpMatchArray | null;
    if (word) {
      const name = word[0];
      if (state.tagName) {
        state.tagName = false;
        if (name === 'comment') state.until = '{%';
        return 'keyword';
      }
      if (KEYWORDS.has(name)) return 'keyword';
      // A name right after `|` is a filter.
      return /\|\s*$/.test(stream.string.slice(0, stream.start)) ? 'function' : 'variableName';
    }
    stream.next();
    return 'operator';
  },
});

export interface LiquidEditorProps {
  value: string;
  onChange(text: string): void;
  /** Ctrl/Cmd-S. */
  onSave(): void;
  label: string;
  problems: CodeProblem[];
  readOnly?: boolean;
}

export function LiquidEditor({ value, onChange, onSave, label, problems, readOnly }: LiquidEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const handlers = useRef({ onChange, onSave });
  handlers.current = { onChange, onSave };
  const view = useCodeMirror(host, value, () => [
    commonExtensions(label, handlers),
    lineNumbers(),
    liquid,
    lintGutter(),
    EditorState.readOnly.of(Boolean(readOnly)),
  ]);

  useProblemMarks(view, problems);

  return <div className="cm-host code" ref={host} />;
}
