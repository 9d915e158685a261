// Run the bds CLI in-process with captured output, as a user would type it.
import { runCli } from '../../src/cli/program.js';
import type { CliIO } from '../../src/cli/output.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  json: () => unknown;
}

export async function bds(
  args: string[],
  opts: { cwd: string; home: string; background?: () => void },
): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    out: (t) => (stdout += t.endsWith('\n') ? t : `${t}\n`),
    err: (t) => (stderr += t.endsWith('\n') ? t : `${t}\n`),
    env: { BDS_HOME: opts.home },
    cwd: opts.cwd,
    isTTY: false,
    ...(opts.background ? { background: opts.background } : {}),
  };
  const code = await runCli(args, io);
  return { code, stdout, stderr, json: () => JSON.parse(stdout) as unknown };
}
