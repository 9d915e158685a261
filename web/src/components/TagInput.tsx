// Tags as a comma-separated field with completion from the project's tags (most used first) and the
// tags shown as chips in their colours from meta/tags.json. Arrows pick a suggestion, Enter or Tab
// takes it, Esc closes the list.
import { useId, useMemo, useState } from 'react';
import { useStore } from '../store.js';

export interface TagInputProps {
  value: string;
  onChange(value: string): void;
}

const split = (v: string) =>
  v
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);

/** Text readable on a tag's colour: dark on light colours, light on dark ones. */
export function inkOn(color: string): string {
  const m = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(color.trim());
  if (!m) return 'inherit';
  const hex = m[1]!.length === 3 ? [...m[1]!].map((c) => c + c).join('') : m[1]!;
  const n = parseInt(hex, 16);
  const [r, g, b] = [(n >> 16) & 255, (n >> 8) & 255, n & 255].map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  const lum = 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
  return lum > 0.4 ? '#1d1d1b' : '#ffffff';
}

export function TagChip({ name, color }: { name: string; color?: string }) {
  return (
    <span className="chip" style={color ? { background: color, color: inkOn(color) } : undefined}>
      {name}
    </span>
  );
}

export function TagInput({ value, onChange }: TagInputProps) {
  const tags = useStore((s) => s.tags);
  const listId = useId();
  const [open, setOpen] = useState(false);
  const [cursor, setCursor] = useState(0);
  const colors = useMemo(() => new Map(tags.map((t) => [t.name.toLowerCase(), t.color])), [tags]);

  const typed = value
    .slice(value.lastIndexOf(',') + 1)
    .trim()
    .toLowerCase();
  const suggestions = useMemo(() => {
    if (typed === '') return [];
    const taken = new Set(split(value).map((t) => t.toLowerCase()));
    return tags
      .filter((t) => t.name.toLowerCase().includes(typed) && !taken.has(t.name.toLowerCase()))
      .slice(0, 8);
  }, [tags, typed, value]);
  const showing = open && suggestions.length > 0;

  const take = (name: string) => {
    const head = value.slice(0, value.lastIndexOf(',') + 1);
    onChange(`${head}${head ? ' ' : ''}${name}, `);
    setOpen(false);
  };

  return (
    <div className="tag-input">
      <input
        id="post-tags"
        value={value}
        placeholder="travel, rail"
        role="combobox"
        aria-autocomplete="list"
        aria-expanded={showing}
        aria-controls={listId}
        aria-activedescendant={showing ? `${listId}-${cursor}` : undefined}
        autoComplete="off"
        onChange={(e) => {
          onChange(e.target.value);
          setOpen(true);
          setCursor(0);
        }}
        onBlur={() => setTimeout(() => setOpen(false), 120)}
        onKeyDown={(e) => {
          if (!showing) return;
          if (e.key === 'ArrowDown') setCursor((c) => Math.min(suggestions.length - 1, c + 1));
          else if (e.key === 'ArrowUp') setCursor((c) => Math.max(0, c - 1));
          else if (e.key === 'Enter' || e.key === 'Tab') take(suggestions[cursor]!.name);
          else if (e.key === 'Escape') setOpen(false);
          else return;
          e.preventDefault();
          e.stopPropagation();
        }}
      />
      {showing && (
        <ul id={listId} role="listbox" aria-label="Tag suggestions" className="tag-suggestions">
          {suggestions.map((t, i) => (
            <li
              key={t.name}
              id={`${listId}-${i}`}
              role="option"
              aria-selected={i === cursor}
              onMouseDown={(e) => {
                e.preventDefault();
                take(t.name);
              }}
            >
              <TagChip name={t.name} color={t.color} />
              <span className="muted">{t.count}</span>
            </li>
          ))}
        </ul>
      )}
      {split(value).length > 0 && (
        <div className="chips" aria-label="Tags of this post">
          {split(value).map((t) => (
            <TagChip key={t.toLowerCase()} name={t} color={colors.get(t.toLowerCase())} />
          ))}
        </div>
      )}
    </div>
  );
}
