// Use cases of the open project as a whole (summary, problems, index rebuild, data paths) and of the
// user's projects (create, list, choose the default), which need no open project.
import path from 'node:path';
import { z } from 'zod';
import { taskResult } from '../publish/index.js';
import { initProject, loadProject } from '../content/project.js';
import { ProblemSchema } from './schemas.js';
import { userUseCase, workspaceUseCase } from './use-case.js';

const IndexReport = z.object({ indexed: z.number(), removed: z.number(), problems: z.array(ProblemSchema) });

export const projectSummary = workspaceUseCase({
  name: 'project.summary',
  description: 'The project: name, folder, posts by status and how many files could not be loaded.',
  input: z.object({}),
  output: z.object({
    project: z.string(),
    path: z.string(),
    posts: z.object({ draft: z.number(), published: z.number(), archived: z.number() }),
    problems: z.number(),
  }),
  readOnly: true,
  cacheable: true,
  errors: [],
  http: { method: 'GET', path: '/api/project' },
  run: (app) => {
    const posts = { draft: 0, published: 0, archived: 0 };
    for (const [status, n] of app.postIndex.statusCounts()) {
      if (status in posts) posts[status as keyof typeof posts] = n;
    }
    return { project: app.project.settings.name, path: app.root, posts, problems: app.problems().length };
  },
});

export const listProblems = workspaceUseCase({
  name: 'project.problems',
  description: 'Files that could not be loaded, with file, line and what to do.',
  input: z.object({}),
  output: z.array(ProblemSchema),
  readOnly: true,
  cacheable: true,
  errors: [],
  http: { method: 'GET', path: '/api/problems' },
  run: (app) => app.problems(),
});

export const rebuildIndex = workspaceUseCase({
  name: 'project.rebuild',
  description:
    'Recreate the index from the project files, or only its posts, media or scripts (one transaction: a failure keeps the old index).',
  input: z.object({
    only: z.enum(['posts', 'media', 'scripts']).optional().describe('rebuild only this part of the index'),
  }),
  output: z.object({
    posts: IndexReport.optional(),
    media: IndexReport.optional(),
    scripts: IndexReport.optional(),
    ms: z.number(),
  }),
  readOnly: false,
  errors: ['task-cancelled'],
  http: { method: 'POST', path: '/api/project/rebuild' },
  run: async (app, { only }, ctx) => {
    const progress =
      (task: { progress(p: number, m: string): void }) => (percent: number, message: string) => {
        task.progress(percent, message);
        ctx.onProgress?.(percent, message);
      };
    const handle = app.tasks.add({
      name: only ? `Rebuild ${only}` : 'Rebuild index',
      run: (task) => (only ? app.rebuildPart(only, progress(task)) : app.rebuildFromFiles(progress(task))),
    });
    return taskResult(handle, 'The index rebuild');
  },
});

export const dataPaths = workspaceUseCase({
  name: 'project.dataPaths',
  description: 'Where the project keeps its data.',
  input: z.object({}),
  output: z.object({
    project: z.string(),
    database: z.string(),
    posts: z.string(),
    media: z.string(),
    scripts: z.string(),
    html: z.string(),
  }),
  readOnly: true,
  errors: [],
  http: { method: 'GET', path: '/api/project/paths' },
  python: { method: 'app.getDataPaths' },
  run: (app) => ({
    project: app.root,
    database: app.project.paths.index,
    posts: app.project.paths.posts,
    media: app.project.paths.media,
    scripts: app.project.paths.scripts,
    html: app.project.paths.html,
  }),
});

export const systemLanguage = workspaceUseCase({
  name: 'project.systemLanguage',
  description: 'The language of the machine (BCP 47).',
  input: z.object({}),
  output: z.string(),
  readOnly: true,
  errors: [],
  http: { method: 'GET', path: '/api/system/language' },
  python: { method: 'app.getSystemLanguage' },
  run: () => Intl.DateTimeFormat().resolvedOptions().locale || process.env.LANG || 'en',
});

const KnownProject = z.object({
  id: z.string(),
  name: z.string(),
  path: z.string(),
  lastOpenedAt: z.string().optional(),
});

export const listProjects = userUseCase({
  name: 'projects.list',
  description: 'The projects bds knows, and the default one.',
  input: z.object({}),
  output: z.object({ defaultProject: z.string().optional(), projects: z.array(KnownProject) }),
  readOnly: true,
  errors: ['project-invalid'],
  http: { method: 'GET', path: '/api/projects' },
  run: (user) => user.projects.read(),
});

export const defaultProjectPath = userUseCase({
  name: 'projects.defaultPath',
  description: "The user's default project folder.",
  input: z.object({}),
  output: z.string(),
  readOnly: true,
  errors: ['project-invalid'],
  http: { method: 'GET', path: '/api/projects/default' },
  python: { method: 'app.getDefaultProjectPath' },
  run: (user) => user.projects.defaultProjectPath(),
});

export const setDefaultProject = userUseCase({
  name: 'projects.setDefault',
  description: 'Make a project the default.',
  input: z.object({ dir: z.string().min(1).describe('absolute path of the project folder') }),
  output: z.object({ defaultProject: z.string() }),
  readOnly: false,
  errors: ['project-not-found', 'project-invalid'],
  http: { method: 'PUT', path: '/api/projects/default' },
  run: (user, { dir }) => {
    user.projects.setDefault(path.resolve(dir));
    return { defaultProject: path.resolve(dir) };
  },
});

export const createProject = userUseCase({
  name: 'projects.create',
  description: 'Create a new project folder and remember it.',
  input: z.object({
    dir: z.string().min(1).describe('absolute path of the new project folder'),
    name: z.string().optional(),
    timezone: z.string().optional().describe('IANA timezone for post dates and URLs'),
  }),
  output: z.object({ path: z.string(), id: z.string(), name: z.string() }),
  readOnly: false,
  errors: ['project-exists', 'settings-invalid', 'io-error'],
  http: { method: 'POST', path: '/api/projects' },
  run: (user, { dir, name, timezone }) => {
    const project = initProject(path.resolve(dir), { name, timezone });
    user.projects.remember(project);
    return { path: project.root, id: project.settings.id, name: project.settings.name };
  },
});

export const readProjectMetadata = userUseCase({
  name: 'projects.readMetadata',
  description: 'Read the bds.json of a project folder.',
  input: z.object({ folderPath: z.string().min(1).describe('project folder') }),
  output: z.looseObject({ id: z.string(), name: z.string() }),
  readOnly: true,
  errors: ['project-not-found', 'project-invalid'],
  http: { method: 'GET', path: '/api/projects/metadata' },
  python: { method: 'app.readProjectMetadata' },
  run: (_user, { folderPath }) => loadProject(folderPath).settings,
});

export const PROJECT_USE_CASES = [
  projectSummary,
  listProblems,
  rebuildIndex,
  dataPaths,
  systemLanguage,
] as const;
export const USER_USE_CASES = [
  listProjects,
  defaultProjectPath,
  setDefaultProject,
  createProject,
  readProjectMetadata,
] as const;
