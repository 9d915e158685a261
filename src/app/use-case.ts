// What a use case is: declared once with a stable name, zod schemas for its input and output, whether
// it only reads, the catalogue errors it may raise, its HTTP route and its Python view. The CLI, the
// HTTP API and Python's bds_api all reach the application through these declarations.
import { z } from 'zod';
import type { BdsError, ErrorCode } from '../core/errors.js';
import type { AppServices, CallContext, UserServices } from './services.js';

export type { CallContext } from './services.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * How a use case looks from Python (`bds_api.<namespace>.<name>`): the method name and its own
 * parameter and result schemas where the Python contract differs from the use case (names and
 * shapes scripts already rely on). Parameters are the keys of `params` in order.
 */
export interface PythonView {
  /** `namespace.name`, camelCase (Python also gets the snake_case name). */
  method: string;
  description?: string;
  /** Default: the use case's input. */
  params?: z.ZodObject;
  /** Python's arguments → the use case's input. Default: unchanged. */
  toInput?: (args: Record<string, unknown>) => unknown;
  /** Default: the use case's output. */
  result?: z.ZodType;
  fromOutput?: (output: never) => unknown;
  /** A failure Python receives as a value rather than an exception (git's GitActionResult). */
  fromError?: (error: BdsError) => unknown;
}

interface UseCaseBase<N extends string, I extends z.ZodType, O extends z.ZodType> {
  name: N;
  description: string;
  input: I;
  output: O;
  /** Read-only use cases never change the project: the only ones a macro or transform may call. */
  readOnly: boolean;
  /**
   * Its answer changes only with what the workspace's change events announce (posts, media, meta,
   * problems, settings): a server may keep an answer until the next event. Never true for answers that
   * depend on anything else (git, trust kept in BDS_HOME, the clock).
   */
  cacheable?: boolean;
  /**
   * Writes to one project run one at a time (a queue in the process, the index lock across
   * processes). False for a write whose own steps take the lock (a script run: its bds_api calls do).
   */
  serial?: boolean;
  /**
   * Its run returns a Promise (it waits on git, ssh, a build, other Python). Python in main-thread
   * mode cannot let this thread run it, so such a call runs in a helper thread (use-case-thread.ts).
   */
  waits?: boolean;
  errors: readonly ErrorCode[];
  http: { method: HttpMethod; path: string };
  python?: PythonView | readonly PythonView[];
}

export interface WorkspaceUseCase<
  N extends string = string,
  I extends z.ZodType = z.ZodType,
  O extends z.ZodType = z.ZodType,
> extends UseCaseBase<N, I, O> {
  scope: 'workspace';
  run(app: AppServices, input: z.output<I>, ctx: CallContext): z.input<O> | Promise<z.input<O>>;
}

/** A use case of the user's bds (projects they know) that needs no open project. */
export interface UserUseCase<
  N extends string = string,
  I extends z.ZodType = z.ZodType,
  O extends z.ZodType = z.ZodType,
> extends UseCaseBase<N, I, O> {
  scope: 'user';
  run(user: UserServices, input: z.output<I>, ctx: CallContext): z.input<O> | Promise<z.input<O>>;
}

export type UseCase = WorkspaceUseCase | UserUseCase;

export function workspaceUseCase<const N extends string, I extends z.ZodType, O extends z.ZodType>(
  spec: Omit<WorkspaceUseCase<N, I, O>, 'scope'>,
): WorkspaceUseCase<N, I, O> {
  return { ...spec, scope: 'workspace' };
}

export function userUseCase<const N extends string, I extends z.ZodType, O extends z.ZodType>(
  spec: Omit<UserUseCase<N, I, O>, 'scope'>,
): UserUseCase<N, I, O> {
  return { ...spec, scope: 'user' };
}

export function pythonViews(uc: UseCase): readonly PythonView[] {
  if (!uc.python) return [];
  return Array.isArray(uc.python) ? (uc.python as readonly PythonView[]) : [uc.python as PythonView];
}

/** A use case runs under the project's write lock unless it only reads or takes the lock itself. */
export function isSerial(uc: UseCase): boolean {
  return !uc.readOnly && uc.serial !== false;
}

/**
 * A schema that checks the fields a caller relies on and lets the rest through, typed as the domain
 * type it describes (for results with many fields, such as a build summary).
 */
export function shaped<T>(schema: z.ZodType): z.ZodType<T, T> {
  return schema as unknown as z.ZodType<T, T>;
}

export const NoInput = z.strictObject({});
