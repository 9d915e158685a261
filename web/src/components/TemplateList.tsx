// The site's templates: the user's (templates/NAME.liquid, some taking a theme template's place) and the
// theme's own. Arrows and Enter open one.
import { useEffect, useMemo, useState } from 'react';
import { refreshTemplates, useStore, type TemplateSummary } from '../store.js';

export interface TemplateListProps {
  selected?: string;
  onOpen(name: string): void;
}

const GROUPS: { source: TemplateSummary['source']; label: string; about: string; empty: string }[] = [
  {
    source: 'user',
    label: 'Your templates',
    about: 'templates/NAME.liquid in the project',
    empty: 'None yet: open a theme template and choose “Override this template” to make it yours.',
  },
  {
    source: 'builtin',
    label: 'Theme templates',
    about: 'the built-in theme, used where you have no template of that name',
    empty: 'Every theme template is overridden.',
  },
];

export function TemplateList({ selected, onOpen }: TemplateListProps) {
  const templates = useStore((s) => s.templates);
  const [cursor, setCursor] = useState(0);

  useEffect(() => {
    if (!templates) void refreshTemplates();
  }, [templates]);

  const rows = useMemo(
    () => GROUPS.flatMap((g) => (templates ?? []).filter((t) => t.source === g.source)),
    [templates],
  );

  useEffect(() => {
    const i = rows.findIndex((t) => t.name === selected);
    if (i >= 0) setCursor(i);
  }, [rows, selected]);

  return (
    <section className="list-pane" aria-label="Templates">
      <div className="list-tools">
        <p className="muted template-about">
          Liquid templates of the site. <code>post</code> shows one post, <code>list</code> the home page and
          archives; the others are parts they include.
        </p>
      </div>
      <div
        className="post-list script-list"
        role="listbox"
        aria-label="Templates"
        tabIndex={0}
        aria-activedescendant={rows[cursor] ? `template-${rows[cursor]!.name}` : undefined}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown') setCursor((c) => Math.min(rows.length - 1, c + 1));
          else if (e.key === 'ArrowUp') setCursor((c) => Math.max(0, c - 1));
          else if (e.key === 'Home') setCursor(0);
          else if (e.key === 'End') setCursor(rows.length - 1);
          else if (e.key === 'Enter' && rows[cursor]) onOpen(rows[cursor]!.name);
          else return;
          e.preventDefault();
        }}
      >
        {templates &&
          GROUPS.map((g) => {
            const mine = rows.filter((t) => t.source === g.source);
            return (
              <div key={g.source} role="group" aria-label={g.label}>
                <div className="script-group" title={g.about}>
                  {g.label} <span className="muted">{mine.length}</span>
                </div>
                {mine.length === 0 && <div className="script-empty muted">{g.empty}</div>}
                {mine.map((t) => {
                  const i = rows.indexOf(t);
                  return (
                    <div
                      key={t.name}
                      id={`template-${t.name}`}
                      role="option"
                      aria-selected={t.name === selected}
                      className={`post-row ${i === cursor ? 'cursor' : ''}`}
                      onClick={() => {
                        setCursor(i);
                        onOpen(t.name);
                      }}
                    >
                      <span className="title">{t.name}</span>
                      {t.overridesBuiltin && (
                        <span className="badge" title="Used instead of the theme's template of this name">
                          overrides theme
                        </span>
                      )}
                      <span className="date">{t.source === 'user' ? t.file : 'theme'}</span>
                    </div>
                  );
                })}
              </div>
            );
          })}
        {templates === undefined && <div className="list-empty">Reading the templates…</div>}
      </div>
    </section>
  );
}
