// The order in which bds processes waiting for a project's write lock get it: first come, first served.
// SQLite's lock has no queue, so a process that writes again right after it let go (an app server, a
// loop) would win against a waiting one again and again; a `bds` command could wait its whole timeout.
// Each waiter leaves a ticket (an empty file named by its arrival) in `.bds/write-queue/` and takes the
// lock only when its ticket is the oldest. The queue decides fairness, never exclusion (SQLite's lock
// does that), so a ticket that cannot be written or read only costs the order. Turns are taken between
// processes: within one, the tickets of other threads are not waited for (the main-thread Python
// runtime blocks its thread while a helper thread of the same process writes; waiting for the blocked
// thread's ticket would stall the helper until it timed out).
import fs from 'node:fs';
import path from 'node:path';

/** A waiter's place in the queue: the name of its ticket file. */
export type Ticket = string;

let sequence = 0;

export class WriteQueue {
  constructor(readonly dir: string) {}

  /** The queue folder beside an index file (none for an in-memory index). */
  static besideIndex(file: string): WriteQueue | undefined {
    if (file === '' || file === ':memory:') return undefined;
    return new WriteQueue(path.join(path.dirname(file), 'write-queue'));
  }

  /** True when no process waits: a writer may then take the lock without a ticket. */
  isEmpty(): boolean {
    return this.liveTickets().length === 0;
  }

  /**
   * Joins the queue. `giveUpAt` (epoch ms) is part of the name: past it (and a grace), a ticket whose
   * process hangs no longer holds the others back.
   */
  enter(giveUpAt: number): Ticket | undefined {
    // Arrival in microseconds, padded so names sort by it; pid and a counter keep names apart.
    const arrival = Math.round((performance.timeOrigin + performance.now()) * 1000);
    const name = `${String(arrival).padStart(20, '0')}-${Math.round(giveUpAt)}-${process.pid}-${sequence++}`;
    try {
      fs.mkdirSync(this.dir, { recursive: true });
      fs.writeFileSync(path.join(this.dir, name), '', { flag: 'wx' });
      return name;
    } catch {
      // A read-only or full disk: wait without a place in the queue (as before there was one).
      return undefined;
    }
  }

  /** True when no live ticket is older than `ticket`. */
  isFirst(ticket: Ticket): boolean {
    const live = this.liveTickets(ticket);
    return live.length === 0 || live[0] === ticket || !live.includes(ticket);
  }

  leave(ticket: Ticket): void {
    fs.rmSync(path.join(this.dir, ticket), { force: true });
  }

  /**
   * Tickets of other processes still waiting (and `own`), oldest first; those of dead or hung processes
   * are left out.
   */
  private liveTickets(own?: Ticket): Ticket[] {
    let names: string[];
    try {
      names = fs.readdirSync(this.dir);
    } catch {
      return [];
    }
    const now = Date.now();
    return names
      .filter((name) => {
        const [, giveUpAt, pid] = name.split('-').map(Number);
        if (
          giveUpAt === undefined ||
          pid === undefined ||
          !Number.isFinite(giveUpAt) ||
          !Number.isFinite(pid)
        )
          return false;
        if (now > giveUpAt + STALE_GRACE_MS) return false;
        if (pid === process.pid) return name === own;
        if (isAlive(pid)) return true;
        // A process that died waiting (SIGKILL) cannot take its ticket away; the next reader does.
        fs.rmSync(path.join(this.dir, name), { force: true });
        return false;
      })
      .sort();
  }
}

/** How long past its own deadline a ticket still counts (its process is throwing project-busy). */
const STALE_GRACE_MS = 2_000;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists, but belongs to another user.
    return (e as { code?: unknown }).code === 'EPERM';
  }
}
