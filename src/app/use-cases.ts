// The use-case registry: every use case of bds, by name, in one list. The CLI, the HTTP API and
// Python's bds_api all call through it, with the same input checks, output checks and write lock.
import type { z } from 'zod';
import { BdsError } from '../core/errors.js';
import { describeZodError } from '../core/schemas.js';
import { BLOGMARK_USE_CASES } from './blogmarks.js';
import { GIT_USE_CASES } from './git.js';
import { MEDIA_USE_CASES } from './media.js';
import { POST_USE_CASES } from './posts.js';
import { PROJECT_USE_CASES, USER_USE_CASES } from './project.js';
import { PUBLISH_USE_CASES } from './publish.js';
import { SCRIPT_USE_CASES } from './scripts.js';
import { SETTINGS_USE_CASES } from './settings.js';
import { SITE_USE_CASES } from './site.js';
import { TAG_USE_CASES } from './tags.js';
import { TASK_USE_CASES } from './tasks.js';
import { TEMPLATE_USE_CASES } from './templates.js';
import { ProjectRegistry } from './projects.js';
import type { CallContext, UseCase } from './use-case.js';

/** In the order the Python API documents its namespaces. */
export const WORKSPACE_USE_CASES = [
  ...POST_USE_CASES,
  ...MEDIA_USE_CASES,
  ...TAG_USE_CASES,
  ...SCRIPT_USE_CASES,
  ...BLOGMARK_USE_CASES,
  ...GIT_USE_CASES,
  ...PUBLISH_USE_CASES,
  ...TEMPLATE_USE_CASES,
  ...SITE_USE_CASES,
  ...SETTINGS_USE_CASES,
  ...TASK_USE_CASES,
  ...PROJECT_USE_CASES,
] as const;

export const ALL_USE_CASES = [...WORKSPACE_USE_CASES, ...USER_USE_CASES] as const;

type AnyUseCase = (typeof ALL_USE_CASES)[number];
export type UseCaseName = AnyUseCase['name'];
export type WorkspaceUseCaseName = (typeof WORKSPACE_USE_CASES)[number]['name'];
export type UserUseCaseName = (typeof USER_USE_CASES)[number]['name'];
type UseCaseNamed<N extends UseCaseName> = Extract<AnyUseCase, { name: N }>;
export type InputOf<N extends UseCaseName> = z.input<UseCaseNamed<N>['input']>;
export type OutputOf<N extends UseCaseName> = z.output<UseCaseNamed<N>['output']>;

const BY_NAME = new Map<string, UseCase>(ALL_USE_CASES.map((uc) => [uc.name, uc as UseCase]));

export function findUseCase(name: string): UseCase | undefined {
  return BY_NAME.get(name);
}

export function useCase(name: string): UseCase {
  const uc = BY_NAME.get(name);
  if (!uc) throw new BdsError('invalid-argument', `bds has no use case "${name}"`);
  return uc;
}

/** The input checked against the use case's schema; a bad value names the field. */
export function parseInput(uc: UseCase, raw: unknown): unknown {
  const r = uc.input.safeParse(raw ?? {});
  if (r.success) return r.data;
  const { field, message } = describeZodError(r.error);
  throw new BdsError('invalid-argument', `${uc.name}: ${field ? `"${field}" ` : ''}${message}`, {
    details: { field },
  });
}

/** The output checked against the use case's schema (fields it does not declare are dropped). */
export function checkOutput(uc: UseCase, value: unknown): unknown {
  const r = uc.output.safeParse(value);
  if (r.success) return r.data;
  const { field, message } = describeZodError(r.error);
  throw new BdsError('internal', `${uc.name} returned an invalid result: "${field}" ${message}`);
}

/** Run a use case of the user's bds (projects) without opening a project. */
export async function callUserUseCase<N extends UserUseCaseName>(
  home: string,
  name: N,
  input: InputOf<N>,
  ctx: CallContext = {},
): Promise<OutputOf<N>> {
  const uc = useCase(name);
  if (uc.scope !== 'user') throw new BdsError('internal', `${name} needs an open project`);
  const value = await uc.run({ home, projects: new ProjectRegistry(home) }, parseInput(uc, input), ctx);
  return checkOutput(uc, value) as OutputOf<N>;
}
