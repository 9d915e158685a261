// The user's registry of known projects, kept in BDS_HOME (never in a project folder), with a default.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../core/atomic.js';
import { BdsError } from '../core/errors.js';
import { isProjectDir, loadProject, type Project } from '../content/project.js';

export function bdsHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.BDS_HOME) return path.resolve(env.BDS_HOME);
  const xdg = env.XDG_DATA_HOME && path.isAbsolute(env.XDG_DATA_HOME) ? env.XDG_DATA_HOME : undefined;
  return path.join(xdg ?? path.join(os.homedir(), '.local', 'share'), 'bds');
}

const RegistrySchema = z.object({
  defaultProject: z.string().optional(),
  projects: z
    .array(
      z.object({ id: z.string(), name: z.string(), path: z.string(), lastOpenedAt: z.string().optional() }),
    )
    .default([]),
});
export type Registry = z.infer<typeof RegistrySchema>;

export class ProjectRegistry {
  readonly file: string;

  constructor(readonly home: string = bdsHome()) {
    this.file = path.join(home, 'projects.json');
  }

  read(): Registry {
    if (!fs.existsSync(this.file)) return { projects: [] };
    try {
      return RegistrySchema.parse(JSON.parse(fs.readFileSync(this.file, 'utf8')));
    } catch (cause) {
      throw new BdsError('project-invalid', `${this.file} is not a valid project registry`, {
        file: this.file,
        cause,
        hint: 'Fix or delete the file; bds recreates it.',
      });
    }
  }

  private write(reg: Registry): void {
    writeFileAtomic(this.file, `${JSON.stringify(reg, null, 2)}\n`);
  }

  /** Remember a project (and make it the default if there is none). */
  remember(project: Project): void {
    const reg = this.read();
    const entry = { id: project.settings.id, name: project.settings.name, path: project.root };
    reg.projects = reg.projects.filter((p) => p.path !== project.root && p.id !== project.settings.id);
    reg.projects.push({ ...entry, lastOpenedAt: new Date().toISOString() });
    reg.projects.sort((a, b) => a.name.localeCompare(b.name));
    reg.defaultProject ??= project.root;
    this.write(reg);
  }

  setDefault(dir: string): void {
    const project = loadProject(dir);
    this.remember(project);
    const reg = this.read();
    reg.defaultProject = project.root;
    this.write(reg);
  }

  defaultProjectPath(): string {
    return this.read().defaultProject ?? path.join(this.home, 'projects', 'my-blog');
  }
}

export interface ResolveOptions {
  /** --project DIR */
  project?: string;
  cwd?: string;
  registry: ProjectRegistry;
  /** Create the default project (with a welcome post) when it does not exist yet. */
  createDefault?: (dir: string) => void;
}

/** --project DIR, else the current folder when it holds bds.json, else the default project. */
export function resolveProjectDir(opts: ResolveOptions): string {
  if (opts.project) return path.resolve(opts.cwd ?? process.cwd(), opts.project);
  const cwd = opts.cwd ?? process.cwd();
  if (isProjectDir(cwd)) return cwd;
  const dir = opts.registry.defaultProjectPath();
  if (!isProjectDir(dir)) {
    if (!opts.createDefault) {
      throw new BdsError('project-not-found', `No project here and no default project at ${dir}`);
    }
    opts.createDefault(dir);
  }
  return dir;
}
