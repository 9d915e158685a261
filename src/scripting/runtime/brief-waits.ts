// Whether a thread should wait a moment for something that usually comes at once (the next call, a
// call's end), learned from how such waits went lately. Shared by the worker and the host side.
/**
 * Whether to wait briefly: a worker for the next call after one ends, the host for the end of a lone
 * call. Waiting pays when calls come back to back (a script calling in a loop, a preview); during a
 * build the host is busy rendering and the next call comes later than any brief wait, so each wait is
 * a core's time taken from the build. After
 * `restAfter` waits in a row that found nothing, it waits only every `probeEvery`-th time, and a wait
 * that finds a call makes it wait every time again.
 */
export class BriefWaits {
  private misses = 0;
  private skipped = 0;

  constructor(
    private readonly restAfter = 4,
    private readonly probeEvery = 16,
  ) {}

  get resting(): boolean {
    return this.misses >= this.restAfter;
  }

  shouldWait(): boolean {
    if (!this.resting) return true;
    if (++this.skipped < this.probeEvery) return false;
    this.skipped = 0;
    return true;
  }

  record(found: boolean): void {
    this.misses = found ? 0 : this.misses + 1;
  }
}
