// A file named on the command line (`-`: standard input), read from the caller's folder; one that
// cannot be read is an invalid argument naming it as the command line did.
import fs from 'node:fs';
import path from 'node:path';
import { BdsError } from '../app/index.js';
import type { CliIO } from './output.js';

/** `what` names the argument in the error, e.g. `--file app.py`. */
export function readInputFile(io: CliIO, file: string, what = file): string {
  try {
    return fs.readFileSync(file === '-' ? 0 : path.resolve(io.cwd, file), 'utf8');
  } catch (cause) {
    throw new BdsError('invalid-argument', `Cannot read ${what}: ${(cause as Error).message}`, { cause });
  }
}
