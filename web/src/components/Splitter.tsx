// A handle between two columns: drag it, or focus it and use the arrows (Shift for big steps), to
// resize; double-click or Enter collapses the column before it and brings it back. Widths are kept
// in this browser (localStorage) and set as CSS variables on the app.
import { useEffect, useRef, useState } from 'react';

export interface SplitterProps {
  className: string;
  /** The CSS variable it sets on `.app`, e.g. `--list-w`. */
  variable: string;
  label: string;
  initial: number;
  min: number;
  max: number;
}

const load = (key: string, fallback: number) => {
  const n = Number(localStorage.getItem(key));
  return Number.isFinite(n) && n >= 0 && localStorage.getItem(key) !== null ? n : fallback;
};

export function Splitter({ className, variable, label, initial, min, max }: SplitterProps) {
  const key = `bds-width${variable}`;
  const [width, setWidth] = useState(() => load(key, initial));
  const before = useRef(width || initial);
  const collapsed = width === 0;

  useEffect(() => {
    document.querySelector<HTMLElement>('.app')?.style.setProperty(variable, `${width}px`);
    localStorage.setItem(key, String(width));
    if (width > 0) before.current = width;
  }, [width, variable, key]);

  const clamp = (w: number) => Math.max(min, Math.min(max, w));
  const toggle = () => setWidth(collapsed ? before.current || initial : 0);

  return (
    <div
      className={`splitter ${className} ${collapsed ? 'collapsed' : ''}`}
      role="separator"
      aria-orientation="vertical"
      aria-label={label}
      aria-valuenow={width}
      aria-valuemin={0}
      aria-valuemax={max}
      tabIndex={0}
      title={`${label}: drag to resize, double-click to ${collapsed ? 'show' : 'hide'}`}
      onDoubleClick={toggle}
      onKeyDown={(e) => {
        const step = e.shiftKey ? 48 : 12;
        if (e.key === 'ArrowLeft') setWidth((w) => (w - step < min ? 0 : clamp(w - step)));
        else if (e.key === 'ArrowRight') setWidth((w) => clamp(Math.max(w, min) + (w === 0 ? 0 : step)));
        else if (e.key === 'Enter') toggle();
        else return;
        e.preventDefault();
      }}
      onPointerDown={(e) => {
        e.preventDefault();
        const el = e.currentTarget;
        el.setPointerCapture(e.pointerId);
        const startX = e.clientX;
        const start = width;
        const move = (m: PointerEvent) => {
          const w = start + m.clientX - startX;
          setWidth(w < min / 2 ? 0 : clamp(w));
        };
        const up = () => {
          el.removeEventListener('pointermove', move);
          el.removeEventListener('pointerup', up);
        };
        el.addEventListener('pointermove', move);
        el.addEventListener('pointerup', up);
      }}
    />
  );
}
