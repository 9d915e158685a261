// The sections of the app. Templates arrives with the next part of the UI.
export type Section = 'posts' | 'media' | 'scripts' | 'settings';

const SECTIONS: { id: Section; name: string }[] = [
  { id: 'posts', name: 'Posts' },
  { id: 'media', name: 'Media' },
  { id: 'scripts', name: 'Scripts' },
  { id: 'settings', name: 'Settings' },
];
const LATER = ['Templates'];

export interface NavProps {
  section: Section;
  onSection(section: Section): void;
}

export function Nav({ section, onSection }: NavProps) {
  return (
    <nav className="nav" aria-label="Sections">
      <div className="nav-brand">bds</div>
      {SECTIONS.map((s) => (
        <a
          key={s.id}
          href={`#${s.id}`}
          aria-current={section === s.id ? 'page' : undefined}
          onClick={(e) => {
            e.preventDefault();
            onSection(s.id);
          }}
        >
          {s.name}
        </a>
      ))}
      {LATER.map((name) => (
        <a key={name} aria-disabled="true" title={`${name}: not in this version of the app yet`}>
          {name}
        </a>
      ))}
      <div className="nav-spacer" />
    </nav>
  );
}
