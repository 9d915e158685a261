// A synchronous sleep for code that must wait without returning to the event loop (lock retries).

/** Atomics.wait on it sleeps the thread: the one way to wait synchronously without spinning. */
const SLEEPER = new Int32Array(new SharedArrayBuffer(4));

/** Sleeps this thread for `ms` (nothing else runs on it meanwhile). */
export function sleepSync(ms: number): void {
  Atomics.wait(SLEEPER, 0, 0, ms);
}
