// What a command module gets from the program: open the project, call use cases, print, exit code.
import type { Command } from 'commander';
import type {
  CallContext,
  InputOf,
  OutputOf,
  UseCaseName,
  UserUseCaseName,
  Workspace,
} from '../app/index.js';
import type { CliIO } from './output.js';

/** What a command module needs from the program: open the project, print, set the exit code. */
export interface CliContext {
  io: CliIO;
  json(): boolean;
  /** Open the project, run `fn`, close it. */
  withWorkspace<T>(fn: (ws: Workspace) => T | Promise<T>): Promise<T>;
  /** Open the project, call one use case, close it. */
  call<N extends UseCaseName>(name: N, input: InputOf<N>, ctx?: CallContext): Promise<OutputOf<N>>;
  /** A use case of the user's projects (no project is opened). */
  callUser<N extends UserUseCaseName>(name: N, input: InputOf<N>, ctx?: CallContext): Promise<OutputOf<N>>;
  emit(json: unknown, human: () => string): void;
  setExitCode(code: number): void;
}

export type CommandModule = (program: Command, ctx: CliContext) => void;
