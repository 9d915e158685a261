// A <dialog> shown as a modal while `open` is true (Esc and focus handling are the browser's).
import { useEffect, type RefObject } from 'react';

export function useModal(ref: RefObject<HTMLDialogElement | null>, open: boolean, onShow?: () => void): void {
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) {
      d.showModal();
      onShow?.();
    }
    if (!open && d.open) d.close();
    // `onShow` runs when the dialog opens; a new function each render must not reopen it.
  }, [open]);
}
