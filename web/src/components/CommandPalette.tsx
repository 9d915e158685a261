// Ctrl/Cmd-K: open a post by its title or run a command, from the keyboard. Arrows move, Enter runs,
// Esc closes.
import { useLayoutEffect, useMemo, useRef, useState } from 'react';
import { useStore } from '../store.js';

export interface Command {
  id: string;
  label: string;
  hint?: string;
  run(): void;
}

export interface CommandPaletteProps {
  open: boolean;
  commands: Command[];
  onOpenPost(id: string): void;
  onClose(): void;
}

interface Item {
  key: string;
  label: string;
  hint?: string;
  run(): void;
}

/** Every word of the query somewhere in the text, case and accents ignored. */
function matches(text: string, query: string): boolean {
  const fold = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
  const t = fold(text);
  return fold(query)
    .split(/\s+/)
    .filter(Boolean)
    .every((w) => t.includes(w));
}

export function CommandPalette({ open, commands, onOpenPost, onClose }: CommandPaletteProps) {
  const posts = useStore((s) => s.posts);
  const [query, setQuery] = useState('');
  const [cursor, setCursor] = useState(0);
  const dialog = useRef<HTMLDialogElement>(null);
  const input = useRef<HTMLInputElement>(null);

  // A layout effect, and the opener renders synchronously (flushSync): the input has the focus before the
  // next key arrives, so fast typing right after Ctrl-K is never lost to the page behind.
  useLayoutEffect(() => {
    const d = dialog.current;
    if (!d) return;
    if (open && !d.open) {
      setQuery('');
      setCursor(0);
      d.showModal();
      input.current?.focus();
    }
    if (!open && d.open) d.close();
  }, [open]);

  const items = useMemo<Item[]>(() => {
    const q = query.trim();
    const cmds = commands
      .filter((c) => !q || matches(c.label, q))
      .map((c) => ({ key: `cmd:${c.id}`, label: c.label, hint: c.hint ?? 'command', run: c.run }));
    const found = (q ? posts.filter((p) => matches(p.title, q)) : posts).slice(0, 30).map((p) => ({
      key: `post:${p.id}`,
      label: p.title,
      hint: p.status,
      run: () => onOpenPost(p.id),
    }));
    return q ? [...found, ...cmds] : [...cmds, ...found];
  }, [query, posts, commands, onOpenPost]);

  const choose = (item: Item | undefined) => {
    if (!item) return;
    onClose();
    item.run();
  };

  return (
    <dialog
      ref={dialog}
      className="palette"
      aria-label="Command palette"
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
      onClick={(e) => {
        if (e.target === dialog.current) onClose();
      }}
    >
      <input
        ref={input}
        className="palette-input"
        role="combobox"
        aria-expanded="true"
        aria-controls="palette-list"
        aria-activedescendant={items[cursor] ? `palette-${cursor}` : undefined}
        aria-label="Open a post or run a command"
        placeholder="Open a post or run a command…"
        value={query}
        onChange={(e) => {
          setQuery(e.target.value);
          setCursor(0);
        }}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown') setCursor((c) => Math.min(items.length - 1, c + 1));
          else if (e.key === 'ArrowUp') setCursor((c) => Math.max(0, c - 1));
          else if (e.key === 'Enter') choose(items[cursor]);
          else return;
          e.preventDefault();
        }}
      />
      <ul id="palette-list" role="listbox" className="palette-list" aria-label="Results">
        {items.map((item, i) => (
          <li
            key={item.key}
            id={`palette-${i}`}
            role="option"
            aria-selected={i === cursor}
            onMouseMove={() => setCursor(i)}
            onClick={() => choose(item)}
          >
            <span className="label">{item.label}</span>
            {item.hint && <span className="hint">{item.hint}</span>}
          </li>
        ))}
        {items.length === 0 && <li className="palette-empty">Nothing matches “{query}”.</li>}
      </ul>
    </dialog>
  );
}
