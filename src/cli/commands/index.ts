// The command modules of the `bds` program beyond the core post commands, one file per concern.
import type { CommandModule } from '../program.js';
import { scriptCommands } from './scripts.js';

export const COMMAND_MODULES: CommandModule[] = [scriptCommands];
