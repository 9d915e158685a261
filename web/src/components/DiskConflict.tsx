// A file changed on disk while the user had unsaved edits: both versions stay, and the user chooses.
// Nothing typed is lost whichever they pick ("Keep mine" saves over the disk version).
export interface DiskConflictProps {
  what: string;
  /** The disk version's text, to look at before choosing. */
  diskText: string;
  onKeepMine(): void;
  onTakeDisk(): void;
}

export function DiskConflict({ what, diskText, onKeepMine, onTakeDisk }: DiskConflictProps) {
  return (
    <div className="conflict" role="alert">
      <p>
        <strong>This {what} changed on disk</strong> while you had unsaved edits. Which version do you want to
        keep?
      </p>
      <details>
        <summary>Show the version on disk</summary>
        <pre style={{ whiteSpace: 'pre-wrap', maxHeight: 200, overflow: 'auto' }}>{diskText}</pre>
      </details>
      <div className="actions">
        <button type="button" className="btn primary" onClick={onKeepMine}>
          Keep mine
        </button>
        <button type="button" className="btn" onClick={onTakeDisk}>
          Take the disk version
        </button>
      </div>
    </div>
  );
}
