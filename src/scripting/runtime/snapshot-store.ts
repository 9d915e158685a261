// Pyodide memory snapshots: the first runtime to load makes one, later runtimes (and replacements
// after a timeout or crash) start from it in a fraction of the time. Optionally kept on disk.
// A snapshot is the whole interpreter memory: keep the cache folder private to the user (BDS_HOME).
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { PRELOADED_MODULES, RUNTIME_SOURCE } from './python-source.js';

/** Snapshots hold the runtime's Python module: a new runtime source means a new file. */
const SNAPSHOT_FORMAT = createHash('sha256')
  .update(`${PRELOADED_MODULES}\n${RUNTIME_SOURCE}`)
  .digest('hex')
  .slice(0, 12);

export interface SnapshotClaim {
  snapshot: SharedArrayBuffer | null;
  /** This start should make the snapshot and hand it back with `offer()`. */
  makeSnapshot: boolean;
}

function pyodideVersion(): string {
  const require = createRequire(import.meta.url);
  return (require('pyodide/package.json') as { version: string }).version;
}

export function snapshotCacheFile(cacheDir: string): string {
  return path.join(cacheDir, `pyodide-${pyodideVersion()}-bds-${SNAPSHOT_FORMAT}.snapshot`);
}

export class SnapshotStore {
  private bytes: SharedArrayBuffer | null = null;
  private making = false;
  private loading: Promise<void> | null;
  private readonly cacheFile: string | null;

  constructor(cacheDir?: string) {
    this.cacheFile = cacheDir ? snapshotCacheFile(cacheDir) : null;
    this.loading = this.cacheFile ? this.readCache(this.cacheFile) : null;
  }

  /** What the next start should do: use the snapshot, make it, or (while another makes it) load fully. */
  async claim(): Promise<SnapshotClaim> {
    if (this.loading) await this.loading;
    if (this.bytes) return { snapshot: this.bytes, makeSnapshot: false };
    if (this.making) return { snapshot: null, makeSnapshot: false };
    this.making = true;
    return { snapshot: null, makeSnapshot: true };
  }

  /** The snapshot a start made. */
  offer(bytes: SharedArrayBuffer): void {
    this.making = false;
    this.bytes = bytes;
    if (this.cacheFile) void this.writeCache(this.cacheFile, bytes);
  }

  /** The start that was to make a snapshot did not (it failed to load). */
  release(): void {
    this.making = false;
  }

  /** A start could not use this snapshot: forget it (and its file), the next start makes a new one. */
  reject(bytes: SharedArrayBuffer): void {
    if (this.bytes !== bytes) return;
    this.bytes = null;
    if (this.cacheFile) void fs.rm(this.cacheFile, { force: true }).catch(() => {});
  }

  get available(): boolean {
    return this.bytes !== null;
  }

  private async readCache(file: string): Promise<void> {
    try {
      const data = await fs.readFile(file);
      const shared = new SharedArrayBuffer(data.byteLength);
      new Uint8Array(shared).set(data);
      this.bytes = shared;
    } catch {
      // no cache yet (or unreadable): the first start makes one
    } finally {
      this.loading = null;
    }
  }

  private async writeCache(file: string, bytes: SharedArrayBuffer): Promise<void> {
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.writeFile(tmp, new Uint8Array(bytes), { mode: 0o600 });
      await fs.rename(tmp, file);
    } catch {
      // A cache that cannot be written only costs start-up time.
      await fs.rm(tmp, { force: true }).catch(() => {});
    }
  }
}
