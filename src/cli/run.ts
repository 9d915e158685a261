// The `bds` command once loaded (main.ts loads it after starting what may run beside the loading).
import { processIO } from './output.js';
import { runCli } from './program.js';

export function run(args: readonly string[]): Promise<number> {
  return runCli([...args], processIO());
}
