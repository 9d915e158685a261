// The sections of the app. Posts is here now; the others arrive with the next parts of the UI.
const LATER = ['Media', 'Scripts', 'Templates', 'Settings'];

export function Nav() {
  return (
    <nav className="nav" aria-label="Sections">
      <div className="nav-brand">bds</div>
      <a href="#posts" aria-current="page">
        Posts
      </a>
      {LATER.map((name) => (
        <a key={name} aria-disabled="true" title={`${name}: not in this version of the app yet`}>
          {name}
        </a>
      ))}
      <div className="nav-spacer" />
    </nav>
  );
}
