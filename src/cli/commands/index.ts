// The command modules of the `bds` program beyond the core post commands, one file per concern.
import type { CommandModule } from '../context.js';
import { blogmarkCommands } from './blogmark.js';
import { configCommands } from './config.js';
import { templateCommands } from './templates.js';
import { mediaCommands } from './media.js';
import { publishCommands } from './publish.js';
import { scriptCommands } from './scripts.js';
import { serveCommands } from './serve.js';
import { siteCommands } from './site.js';
import { gitCommands } from './sync.js';
import { taskCommands } from './tasks.js';

export const COMMAND_MODULES: CommandModule[] = [
  mediaCommands,
  scriptCommands,
  blogmarkCommands,
  gitCommands,
  publishCommands,
  siteCommands,
  configCommands,
  templateCommands,
  serveCommands,
  taskCommands,
];
