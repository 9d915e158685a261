// What the code editors (scripts, templates) share: a parser's check of the text as typed, asked a
// moment after typing stops and cancelled when the text changes again, and the browser's warning
// before leaving a page with unsaved edits.
import { useEffect, type DependencyList } from 'react';
import { reportError } from '../store.js';

/** Wait after the last keystroke before asking a parser. */
export const CHECK_DEBOUNCE_MS = 250;

/**
 * Runs `check` CHECK_DEBOUNCE_MS after `deps` last changed (undefined: nothing to check) and hands its
 * answer to `onResult`; a newer text aborts the older check, whose answer is dropped. A failure is
 * reported as `what`.
 */
export function useDebouncedCheck<T>(
  check: ((signal: AbortSignal) => Promise<T>) | undefined,
  onResult: (result: T) => void,
  what: string,
  deps: DependencyList,
): void {
  useEffect(() => {
    if (!check) return;
    const ctl = new AbortController();
    const timer = setTimeout(() => {
      check(ctl.signal).then(
        (r) => {
          if (!ctl.signal.aborted) onResult(r);
        },
        (e: unknown) => {
          if (!ctl.signal.aborted) reportError(e, what);
        },
      );
    }, CHECK_DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      ctl.abort();
    };
    // The check and its callback are new functions at every render; `deps` say when the text changed.
  }, deps);
}

/** While `dirty`, leaving the page asks the browser's "leave with unsaved changes?" first. */
export function useWarnBeforeUnload(dirty: boolean): void {
  useEffect(() => {
    if (!dirty) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty]);
}
