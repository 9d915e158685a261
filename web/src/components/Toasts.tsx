// Errors and notes where the user can read them: the catalogue's message and hint, never swallowed.
import { dismissToast, useStore } from '../store.js';

export function Toasts() {
  const toasts = useStore((s) => s.toasts);
  return (
    <div className="toasts" aria-live="polite">
      {toasts.map((t) => (
        <div key={t.id} className={`toast ${t.kind}`} role={t.kind === 'error' ? 'alert' : 'status'}>
          <div className="msg">
            {t.message}
            {t.hint && <div className="hint">{t.hint}</div>}
          </div>
          <button type="button" aria-label="Dismiss" onClick={() => dismissToast(t.id)}>
            ✕
          </button>
        </div>
      ))}
    </div>
  );
}
