// Workspace trust for scripts: which exact script contents (by sha256) the user allowed to run, per
// project. It lives in the user's BDS_HOME, never in the project folder, so it does not travel with git.
// The last trusted text of each script is kept beside it (trusted/PROJECT/SCRIPT_ID.py), so a script
// that changed outside bds can be shown as a diff against what the user trusted before.
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../../core/atomic.js';

const TrustFileSchema = z.object({
  version: z.literal(1),
  projects: z.record(z.string(), z.record(z.string(), z.string())),
});
type TrustFile = z.infer<typeof TrustFileSchema>;

export class TrustStore {
  readonly file: string;
  private cache?: { mtimeMs: number; data: TrustFile };

  constructor(home: string) {
    this.file = path.join(home, 'trust.json');
  }

  private read(): TrustFile {
    let mtimeMs: number;
    try {
      mtimeMs = fs.statSync(this.file).mtimeMs;
    } catch {
      return { version: 1, projects: {} };
    }
    if (this.cache && this.cache.mtimeMs === mtimeMs) return this.cache.data;
    let data: TrustFile;
    try {
      data = TrustFileSchema.parse(JSON.parse(fs.readFileSync(this.file, 'utf8')));
    } catch {
      // An unreadable trust file trusts nothing: the safe direction. It is rewritten on the next trust.
      data = { version: 1, projects: {} };
    }
    this.cache = { mtimeMs, data };
    return data;
  }

  isTrusted(projectId: string, hash: string): boolean {
    return Boolean(this.read().projects[projectId]?.[hash]);
  }

  /** Trust the content with this hash; `copy` keeps its text as the script's last trusted version. */
  trust(projectId: string, hash: string, copy?: { scriptId: string; text: string }): void {
    if (copy) writeFileAtomic(this.copyFile(projectId, copy.scriptId), copy.text);
    const data = structuredClone(this.read());
    const project = (data.projects[projectId] ??= {});
    if (project[hash]) return;
    project[hash] = new Date().toISOString();
    writeFileAtomic(this.file, `${JSON.stringify(data, null, 2)}\n`);
    this.cache = undefined;
  }

  /** The text of the script as the user last trusted it, if bds kept it. */
  lastTrusted(projectId: string, scriptId: string): string | undefined {
    try {
      return fs.readFileSync(this.copyFile(projectId, scriptId), 'utf8');
    } catch {
      return undefined;
    }
  }

  private copyFile(projectId: string, scriptId: string): string {
    // Ids are UUIDs or derived hex; anything else is reduced to safe characters.
    const safe = (v: string) => v.replace(/[^A-Za-z0-9_-]/g, '_');
    return path.join(path.dirname(this.file), 'trusted', safe(projectId), `${safe(scriptId)}.py`);
  }
}
