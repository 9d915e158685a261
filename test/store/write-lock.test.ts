// ProjectWriteLock against real index files and real other processes holding SQLite's write lock.
import Database from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BdsError } from '../../src/core/errors.js';
import { openIndexDb, ProjectWriteLock, type IndexDb } from '../../src/store/index.js';

let dir: string;
let file: string;
let db: IndexDb;
const holders: ChildProcess[] = [];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bds-'));
  file = path.join(dir, '.bds', 'index.sqlite');
  db = openIndexDb(file);
  db.sqlite.exec('CREATE TABLE notes (n INTEGER NOT NULL)');
});

afterEach(async () => {
  await Promise.all(holders.splice(0).map((child) => killAndWait(child)));
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Rows committed to the index, as any other connection sees them. */
function committedNotes(): number[] {
  const other = new Database(file, { readonly: true });
  try {
    return other
      .prepare('SELECT n FROM notes ORDER BY rowid')
      .pluck()
      .all()
      .map((n) => n as number);
  } finally {
    other.close();
  }
}

function addNote(n: number): void {
  db.sqlite.prepare('INSERT INTO notes (n) VALUES (?)').run(n);
}

interface Holder {
  child: ChildProcess;
  /** Closes the holder's stdin: it commits and exits. */
  release(): Promise<void>;
}

/** Starts another process that holds the index's write lock; resolves once it holds it. */
async function holdInAnotherProcess(holdMs?: number): Promise<Holder> {
  const args = ['--import', 'tsx', path.resolve('test/helpers/lock-holder.ts'), file];
  if (holdMs !== undefined) args.push(String(holdMs));
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  holders.push(child);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  await new Promise<void>((resolve, reject) => {
    let stdout = '';
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes('locked\n')) resolve();
    });
    child.on('exit', (code, signal) => reject(new Error(`holder exited (${code ?? signal}): ${stderr}`)));
  });
  return {
    child,
    release: async () => {
      const exited = exitOf(child);
      child.stdin!.end();
      expect(await exited).toEqual({ code: 0, signal: null });
    },
  };
}

function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

async function killAndWait(child: ChildProcess): Promise<void> {
  const exited = exitOf(child);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await exited;
}

async function until(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

function gate(): { opened: Promise<void>; open(): void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/** Counts event-loop turns: it only advances while nothing blocks the thread. */
function ticker(): { readonly ticks: number; stop(): void } {
  let ticks = 0;
  const timer = setInterval(() => ticks++, 10);
  return {
    get ticks() {
      return ticks;
    },
    stop: () => clearInterval(timer),
  };
}

async function rejectionOf(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
}

describe('in this process', () => {
  it('jobs run one at a time, in the order they were given', async () => {
    const lock = new ProjectWriteLock(db.sqlite);
    const events: string[] = [];
    const job = (name: string, ms: number) => async () => {
      events.push(`start ${name}`);
      await new Promise((r) => setTimeout(r, ms));
      events.push(`end ${name}`);
      return name;
    };
    const results = await Promise.all([
      lock.run(job('a', 30)),
      lock.run(job('b', 1)),
      lock.run(job('c', 10)),
    ]);
    expect(results).toEqual(['a', 'b', 'c']);
    expect(events).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });

  it('a job that throws or rejects fails its own caller and does not block the next one', async () => {
    const lock = new ProjectWriteLock(db.sqlite);
    const threw = lock.run(() => {
      throw new Error('sync failure');
    });
    const rejected = lock.run(async () => {
      await new Promise((r) => setTimeout(r, 1));
      throw new Error('async failure');
    });
    const next = lock.run(() => 'next ran');
    await expect(threw).rejects.toThrow('sync failure');
    await expect(rejected).rejects.toThrow('async failure');
    expect(await next).toBe('next ran');
    expect(lock.held).toBe(false);
    expect(db.sqlite.inTransaction).toBe(false);
  });

  it('a job holds the write transaction while it runs and commits when it ends', async () => {
    const lock = new ProjectWriteLock(db.sqlite);
    expect(lock.held).toBe(false);
    await lock.run(async () => {
      expect(lock.held).toBe(true);
      expect(db.sqlite.inTransaction).toBe(true);
      addNote(1);
      await new Promise((r) => setTimeout(r, 1));
      expect(committedNotes()).toEqual([]);
    });
    expect(lock.held).toBe(false);
    expect(committedNotes()).toEqual([1]);
  });

  it('a job that fails still commits the index rows it wrote, since its file writes already happened', async () => {
    const lock = new ProjectWriteLock(db.sqlite);
    const failing = lock.run(() => {
      addNote(1);
      throw new Error('failed after writing');
    });
    await expect(failing).rejects.toThrow('failed after writing');
    expect(committedNotes()).toEqual([1]);
  });

  it('a nested sqlite.transaction inside a job is a savepoint: its failure undoes only its own rows', async () => {
    const lock = new ProjectWriteLock(db.sqlite);
    await lock.run(() => {
      addNote(1);
      const undone = db.sqlite.transaction(() => {
        addNote(2);
        throw new Error('undo 2');
      });
      expect(() => undone()).toThrow('undo 2');
      db.sqlite.transaction(() => addNote(3))();
      expect(db.sqlite.inTransaction).toBe(true);
    });
    expect(committedNotes()).toEqual([1, 3]);
  });

  it('run inside a running job runs at once within its hold instead of deadlocking', async () => {
    const lock = new ProjectWriteLock(db.sqlite);
    const events: string[] = [];
    await lock.run(async () => {
      events.push('outer start');
      const inner = await lock.run(async () => {
        await new Promise((r) => setTimeout(r, 1));
        events.push('inner');
        return lock.run(() => 'innermost');
      });
      events.push(`outer end after ${inner}`);
    });
    expect(events).toEqual(['outer start', 'inner', 'outer end after innermost']);
  });

  it('run from outside a running job waits in the queue until the job ends', async () => {
    const lock = new ProjectWriteLock(db.sqlite);
    const events: string[] = [];
    const release = gate();
    const first = lock.run(async () => {
      events.push('first start');
      await release.opened;
      events.push('first end');
    });
    await until(() => lock.held);
    const second = lock.run(() => events.push('second'));
    await new Promise((r) => setTimeout(r, 50));
    expect(events).toEqual(['first start']);
    release.open();
    await Promise.all([first, second]);
    expect(events).toEqual(['first start', 'first end', 'second']);
  });

  it('a failed commit is rolled back and rethrown, and the lock stays usable', async () => {
    db.sqlite.exec(`CREATE TABLE parent (id INTEGER PRIMARY KEY);
      CREATE TABLE child (pid INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)`);
    db.sqlite.pragma('foreign_keys = ON');
    const lock = new ProjectWriteLock(db.sqlite);
    // A deferred foreign key is checked at COMMIT, so the commit itself fails.
    const orphan = () => {
      addNote(1);
      db.sqlite.exec('INSERT INTO child (pid) VALUES (99)');
    };
    const commitFailed = await rejectionOf(lock.run(orphan));
    expect(commitFailed).toMatchObject({ code: 'SQLITE_CONSTRAINT_FOREIGNKEY' });
    expect(db.sqlite.inTransaction).toBe(false);

    const bothFailed = await rejectionOf(
      lock.run(() => {
        orphan();
        throw new Error('job failed too');
      }),
    );
    expect(bothFailed).toBeInstanceOf(AggregateError);
    expect((bothFailed as AggregateError).errors.map((e: Error) => e.message)).toEqual([
      'job failed too',
      'FOREIGN KEY constraint failed',
    ]);

    await lock.run(() => addNote(2));
    expect(committedNotes()).toEqual([2]);
  });

  it('every lock attempt puts the connection busy_timeout back as it was', async () => {
    db.sqlite.pragma('busy_timeout = 1234');
    const lock = new ProjectWriteLock(db.sqlite, { timeoutMs: 300 });
    await lock.run(() => expect(db.sqlite.pragma('busy_timeout', { simple: true })).toBe(1234));
    lock.tryRunSync(() => undefined);
    lock.runBlocking(() => undefined);
    const holder = await holdInAnotherProcess();
    expect(lock.tryRunSync(() => undefined)).toEqual({ ran: false });
    await expect(lock.run(() => undefined)).rejects.toMatchObject({ code: 'project-busy' });
    expect(() => lock.runBlocking(() => undefined)).toThrow(BdsError);
    expect(db.sqlite.pragma('busy_timeout', { simple: true })).toBe(1234);
    await holder.release();
  });
});

describe('timeout', () => {
  const saved = process.env.BDS_LOCK_TIMEOUT_MS;
  afterEach(() => {
    if (saved === undefined) delete process.env.BDS_LOCK_TIMEOUT_MS;
    else process.env.BDS_LOCK_TIMEOUT_MS = saved;
  });

  it('is 10 s unless BDS_LOCK_TIMEOUT_MS says otherwise, and the constructor option wins over both', () => {
    delete process.env.BDS_LOCK_TIMEOUT_MS;
    expect(new ProjectWriteLock(db.sqlite).timeoutMs).toBe(10_000);
    process.env.BDS_LOCK_TIMEOUT_MS = '300';
    expect(new ProjectWriteLock(db.sqlite).timeoutMs).toBe(300);
    expect(new ProjectWriteLock(db.sqlite, { timeoutMs: 500 }).timeoutMs).toBe(500);
  });

  it('a BDS_LOCK_TIMEOUT_MS that is not whole milliseconds is an invalid-argument error naming it', () => {
    process.env.BDS_LOCK_TIMEOUT_MS = 'soon';
    expect(() => new ProjectWriteLock(db.sqlite)).toThrow(
      expect.objectContaining({
        code: 'invalid-argument',
        message: expect.stringContaining('BDS_LOCK_TIMEOUT_MS'),
      }),
    );
  });
});

describe('against another process', () => {
  it('run waits while another process holds the index, without blocking the event loop, then succeeds', async () => {
    const lock = new ProjectWriteLock(db.sqlite, { timeoutMs: 30_000 });
    const holder = await holdInAnotherProcess();
    const loop = ticker();
    let started = false;
    const job = lock.run(() => {
      started = true;
      addNote(1);
      return 'written';
    });
    await until(() => loop.ticks >= 5);
    expect(started).toBe(false);
    await holder.release();
    expect(await job).toBe('written');
    loop.stop();
    expect(committedNotes()).toEqual([1]);
  });

  it('run fails with project-busy naming the index file when the other process holds past timeoutMs', async () => {
    const lock = new ProjectWriteLock(db.sqlite, { timeoutMs: 300 });
    const holder = await holdInAnotherProcess();
    const loop = ticker();
    let started = false;
    const busy = await rejectionOf(lock.run(() => (started = true)));
    loop.stop();
    expect(busy).toBeInstanceOf(BdsError);
    expect(busy).toMatchObject({ code: 'project-busy', details: { file, timeoutMs: 300 } });
    expect((busy as BdsError).message).toContain(file);
    expect((busy as BdsError).hint).toMatch(/another bds process/i);
    expect(started).toBe(false);
    expect(loop.ticks).toBeGreaterThan(0);

    await holder.release();
    await lock.run(() => addNote(1));
    expect(committedNotes()).toEqual([1]);
  });

  it('jobs queued behind a busy wait keep their order once the other process lets go', async () => {
    const lock = new ProjectWriteLock(db.sqlite, { timeoutMs: 30_000 });
    const holder = await holdInAnotherProcess();
    const jobs = [1, 2, 3].map((n) => lock.run(() => addNote(n)));
    await new Promise((r) => setTimeout(r, 50));
    await holder.release();
    await Promise.all(jobs);
    expect(committedNotes()).toEqual([1, 2, 3]);
  });

  it('the other process waits for our job in turn (our hold is a real SQLite write lock)', async () => {
    const lock = new ProjectWriteLock(db.sqlite);
    const release = gate();
    const job = lock.run(async () => {
      addNote(1);
      await release.opened;
    });
    await until(() => lock.held);
    const other = new Database(file, { timeout: 0 });
    try {
      expect(() => other.exec('BEGIN IMMEDIATE')).toThrow(expect.objectContaining({ code: 'SQLITE_BUSY' }));
      // Readers are not blocked in WAL mode; they see what was committed before the job.
      expect(other.prepare('SELECT count(*) FROM notes').pluck().get()).toBe(0);
    } finally {
      other.close();
    }
    release.open();
    await job;
    expect(committedNotes()).toEqual([1]);
  });

  it('a process killed with SIGKILL while holding the index releases it, and the next run succeeds', async () => {
    const lock = new ProjectWriteLock(db.sqlite, { timeoutMs: 30_000 });
    const holder = await holdInAnotherProcess();
    expect(lock.tryRunSync(() => addNote(0))).toEqual({ ran: false });
    const exited = exitOf(holder.child);
    holder.child.kill('SIGKILL');
    expect(await exited).toEqual({ code: null, signal: 'SIGKILL' });
    await lock.run(() => addNote(1));
    expect(committedNotes()).toEqual([1]);
  });
});

describe('tryRunSync', () => {
  it('runs at once and commits when nothing else holds or waits for the lock', () => {
    const lock = new ProjectWriteLock(db.sqlite);
    expect(lock.tryRunSync(() => (addNote(1), 'done'))).toEqual({ ran: true, value: 'done' });
    expect(committedNotes()).toEqual([1]);
    expect(lock.held).toBe(false);
  });

  it('returns ran:false without running fn while another process holds the lock', async () => {
    const lock = new ProjectWriteLock(db.sqlite);
    const holder = await holdInAnotherProcess();
    let called = false;
    expect(lock.tryRunSync(() => (called = true))).toEqual({ ran: false });
    expect(called).toBe(false);
    await holder.release();
    expect(lock.tryRunSync(() => 'now')).toEqual({ ran: true, value: 'now' });
  });

  it('returns ran:false while a job is queued or running, so it never jumps the queue', async () => {
    const lock = new ProjectWriteLock(db.sqlite);
    const release = gate();
    const running = lock.run(() => release.opened);
    const queued = lock.run(() => addNote(1));
    let called = false;
    expect(lock.tryRunSync(() => (called = true))).toEqual({ ran: false });
    await until(() => lock.held);
    expect(lock.tryRunSync(() => (called = true))).toEqual({ ran: false });
    release.open();
    await Promise.all([running, queued]);
    expect(called).toBe(false);
    expect(lock.tryRunSync(() => addNote(2))).toEqual({ ran: true, value: undefined });
    expect(committedNotes()).toEqual([1, 2]);
  });

  it('inside a running job runs within its hold', async () => {
    const lock = new ProjectWriteLock(db.sqlite);
    const result = await lock.run(async () => {
      await new Promise((r) => setTimeout(r, 1));
      return lock.tryRunSync(() => lock.held);
    });
    expect(result).toEqual({ ran: true, value: true });
  });

  it('a run inside it runs within its hold', async () => {
    const lock = new ProjectWriteLock(db.sqlite);
    let inner: Promise<string> | undefined;
    expect(lock.tryRunSync(() => (inner = lock.run(() => (addNote(1), 'inner'))))).toMatchObject({
      ran: true,
    });
    expect(await inner).toBe('inner');
    expect(committedNotes()).toEqual([1]);
  });
});

describe('runBlocking', () => {
  it('runs and commits when the index is free', () => {
    const lock = new ProjectWriteLock(db.sqlite);
    expect(lock.runBlocking(() => (addNote(1), 'reconciled'))).toBe('reconciled');
    expect(committedNotes()).toEqual([1]);
  });

  it('waits for another process that lets go within the timeout', async () => {
    const lock = new ProjectWriteLock(db.sqlite, { timeoutMs: 30_000 });
    const holder = await holdInAnotherProcess(300);
    const exited = exitOf(holder.child);
    expect(lock.runBlocking(() => (addNote(1), 'after the other'))).toBe('after the other');
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(committedNotes()).toEqual([1]);
  });

  it('throws project-busy when another process holds past the timeout', async () => {
    const lock = new ProjectWriteLock(db.sqlite, { timeoutMs: 300 });
    const holder = await holdInAnotherProcess();
    let called = false;
    expect(() => lock.runBlocking(() => (called = true))).toThrow(
      expect.objectContaining({ code: 'project-busy', message: expect.stringContaining(file) }),
    );
    expect(called).toBe(false);
    expect(db.sqlite.inTransaction).toBe(false);
    await holder.release();
  });

  it('is an internal error while jobs of this process are queued', async () => {
    const lock = new ProjectWriteLock(db.sqlite);
    const job = lock.run(() => undefined);
    expect(() => lock.runBlocking(() => undefined)).toThrow(expect.objectContaining({ code: 'internal' }));
    await job;
    expect(lock.runBlocking(() => 'idle again')).toBe('idle again');
  });
});

describe('taking turns with other processes', () => {
  function queueDir(): string {
    return path.join(path.dirname(file), 'write-queue');
  }

  it('a process that writes back to back cannot keep a waiting one out: the waiter is next', async () => {
    const hog = spawn(process.execPath, ['--import', 'tsx', path.resolve('test/helpers/lock-hog.ts'), file], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    holders.push(hog);
    await new Promise<void>((resolve, reject) => {
      hog.stdout!.on('data', (d: Buffer) => d.toString().includes('running') && resolve());
      hog.once('exit', (code) => reject(new Error(`hog exited ${code}`)));
    });
    // Without turns, the hog takes the lock again the moment it lets go: we wait for a gap, dozens of
    // its jobs later, or time out.
    const lock = new ProjectWriteLock(db.sqlite, { timeoutMs: 20_000 });
    const hogNotes = () => committedNotes().filter((n) => n === -1).length;
    const ourTicket = () =>
      fs.existsSync(queueDir()) && fs.readdirSync(queueDir()).some((t) => t.includes(`-${process.pid}-`));
    // A try that finds the lock free between two hog jobs needs no ticket and tells nothing: try again.
    let hogJobsAfterOurTicket: number | undefined;
    for (let attempt = 0; attempt < 5 && hogJobsAfterOurTicket === undefined; attempt++) {
      let done = false;
      const job = lock
        .run(() => {
          addNote(1);
          return db.sqlite.prepare('SELECT count(*) FROM notes WHERE n = -1').pluck().get() as number;
        })
        .finally(() => (done = true));
      let before: number | undefined;
      while (!done && before === undefined) {
        if (ourTicket()) before = hogNotes();
        else await new Promise((r) => setTimeout(r, 1));
      }
      const seenByUs = await job;
      if (before !== undefined) hogJobsAfterOurTicket = seenByUs - before;
    }
    const exited = exitOf(hog);
    hog.stdin!.end();
    expect(await exited).toEqual({ code: 0, signal: null });
    // Once our ticket is in: the hog's job under way, and at most one that had looked at the queue
    // before our ticket was there; then us.
    expect(hogJobsAfterOurTicket).toBeDefined();
    expect(hogJobsAfterOurTicket).toBeLessThanOrEqual(2);
    // Our ticket, if we needed one, is gone.
    expect(fs.existsSync(queueDir()) ? fs.readdirSync(queueDir()) : []).toEqual([]);
  }, 60_000);

  it('a ticket of another thread of this process holds nobody back (it may be the thread blocked waiting for us)', async () => {
    // Main-thread Python blocks its thread while a helper thread of the same process writes.
    fs.mkdirSync(queueDir(), { recursive: true });
    const blockedThread = `${'1'.padStart(20, '0')}-${Date.now() + 3_600_000}-${process.pid}-999`;
    fs.writeFileSync(path.join(queueDir(), blockedThread), '');
    const lock = new ProjectWriteLock(db.sqlite, { timeoutMs: 500 });
    await lock.run(() => addNote(1));
    expect(lock.tryRunSync(() => addNote(2))).toEqual({ ran: true, value: undefined });
    expect(committedNotes()).toEqual([1, 2]);
  });

  it('the ticket of a process that died waiting, or of one long past its deadline, holds nobody back', async () => {
    const dead = spawn(process.execPath, ['-e', '0']);
    await exitOf(dead);
    fs.mkdirSync(queueDir(), { recursive: true });
    const farFuture = Date.now() + 3_600_000;
    const deadTicket = `${'1'.padStart(20, '0')}-${farFuture}-${dead.pid}-0`;
    // Alive (our parent), but it gave up an hour ago: hung, not waiting.
    const hungTicket = `${'2'.padStart(20, '0')}-${Date.now() - 3_600_000}-${process.ppid}-0`;
    for (const t of [deadTicket, hungTicket]) fs.writeFileSync(path.join(queueDir(), t), '');
    const lock = new ProjectWriteLock(db.sqlite, { timeoutMs: 2_000 });
    await lock.run(() => addNote(1));
    expect(lock.tryRunSync(() => addNote(2))).toEqual({ ran: true, value: undefined });
    expect(committedNotes()).toEqual([1, 2]);
    // The dead process's ticket is cleared away; the hung one's stays until its owner leaves.
    expect(fs.readdirSync(queueDir())).toEqual([hungTicket]);
  });
});
