// Code colours for both editors, from CSS variables so light and dark each get readable ones (the
// stock CodeMirror style is made for light backgrounds only).
import { HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { tags as t } from '@lezer/highlight';

const style = HighlightStyle.define([
  {
    tag: [t.keyword, t.controlKeyword, t.definitionKeyword, t.moduleKeyword, t.operatorKeyword],
    color: 'var(--syn-keyword)',
  },
  { tag: [t.string, t.special(t.string), t.regexp], color: 'var(--syn-string)' },
  { tag: [t.number, t.bool, t.null, t.atom], color: 'var(--syn-number)' },
  { tag: [t.comment, t.lineComment, t.blockComment], color: 'var(--syn-comment)', fontStyle: 'italic' },
  {
    tag: [t.function(t.variableName), t.function(t.propertyName), t.definition(t.function(t.variableName))],
    color: 'var(--syn-function)',
  },
  { tag: [t.className, t.typeName], color: 'var(--syn-type)' },
  { tag: t.heading, fontWeight: '700', color: 'var(--syn-heading)' },
  { tag: t.strong, fontWeight: '700' },
  { tag: t.emphasis, fontStyle: 'italic' },
  { tag: t.strikethrough, textDecoration: 'line-through' },
  { tag: [t.link, t.url], color: 'var(--syn-link)' },
  { tag: [t.monospace], color: 'var(--syn-string)' },
  { tag: [t.quote], color: 'var(--syn-comment)' },
  { tag: [t.processingInstruction, t.meta], color: 'var(--syn-comment)' },
  { tag: t.invalid, color: 'var(--error)' },
]);

export const codeHighlighting = syntaxHighlighting(style);
