// The sections of the app, in their order. A section not in this version of the app yet keeps its place,
// marked as such (`later`).
export type Section = 'posts' | 'media' | 'scripts' | 'templates' | 'publish' | 'settings';

const SECTIONS: { id: Section | 'templates'; name: string; later?: true }[] = [
  { id: 'posts', name: 'Posts' },
  { id: 'media', name: 'Media' },
  { id: 'scripts', name: 'Scripts' },
  { id: 'templates', name: 'Templates' },
  { id: 'publish', name: 'Publish' },
  { id: 'settings', name: 'Settings' },
];

export interface NavProps {
  section: Section;
  onSection(section: Section): void;
}

export function Nav({ section, onSection }: NavProps) {
  return (
    <nav className="nav" aria-label="Sections">
      <div className="nav-brand">bds</div>
      {SECTIONS.map((s) =>
        s.later ? (
          <a key={s.id} aria-disabled="true" title={`${s.name}: not in this version of the app yet`}>
            {s.name}
          </a>
        ) : (
          <a
            key={s.id}
            href={`#${s.id}`}
            aria-current={section === s.id ? 'page' : undefined}
            onClick={(e) => {
              e.preventDefault();
              onSection(s.id as Section);
            }}
          >
            {s.name}
          </a>
        ),
      )}
      <div className="nav-spacer" />
    </nav>
  );
}
