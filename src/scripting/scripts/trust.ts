// Workspace trust for scripts: which exact script contents (by sha256) the user allowed to run, per
// project. It lives in the user's BDS_HOME, never in the project folder, so it does not travel with git.
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

  trust(projectId: string, hash: string): void {
    const data = structuredClone(this.read());
    const project = (data.projects[projectId] ??= {});
    if (project[hash]) return;
    project[hash] = new Date().toISOString();
    writeFileAtomic(this.file, `${JSON.stringify(data, null, 2)}\n`);
    this.cache = undefined;
  }
}
