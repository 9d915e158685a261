// CLI output: human text by default, one JSON document with --json; errors as `file:line: message`.
import { escapeControl, formatError, isBdsError, runInBackground } from '../app/index.js';

export interface CliIO {
  out: (text: string) => void;
  err: (text: string) => void;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** True when stderr is a terminal (progress bars are drawn only then). */
  isTTY: boolean;
  /**
   * Lower the process's CPU priority for a batch job (core/priority.ts). Only the `bds` process does:
   * the CLI run inside another program (tests, say) leaves that program's priority alone.
   */
  background?: () => void;
}

export function processIO(): CliIO {
  return {
    out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
    err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
    env: process.env,
    cwd: process.cwd(),
    isTTY: Boolean(process.stderr.isTTY),
    background: () => runInBackground(),
  };
}

export function printJson(io: CliIO, value: unknown): void {
  io.out(JSON.stringify(value, null, 2));
}

export function printError(io: CliIO, e: unknown, json: boolean): void {
  if (json) {
    const body = isBdsError(e)
      ? e.toJSON()
      : { code: 'internal', message: e instanceof Error ? e.message : String(e) };
    io.err(JSON.stringify({ error: body }));
  } else {
    io.err(`error: ${formatError(e)}`);
    // A merge that stopped names the files left with conflict markers.
    const conflicts = isBdsError(e) ? e.details?.conflicts : undefined;
    if (Array.isArray(conflicts) && conflicts.length > 0) {
      io.err(`Conflicting files:\n${conflicts.map((f) => `  ${escapeControl(String(f))}`).join('\n')}`);
    }
  }
}

/** A table of rows with left-aligned columns, for terminals (control characters of titles escaped). */
export function table(input: string[][]): string {
  if (input.length === 0) return '';
  const rows = input.map((r) => r.map(escapeControl));
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  '))
    .join('\n');
}

/** A one-line progress bar on stderr (only on a terminal). */
export class ProgressBar {
  private last = -1;

  constructor(
    private readonly io: CliIO,
    private readonly label: string,
  ) {}

  update(done: number, total: number, message = ''): void {
    if (!this.io.isTTY || total <= 0) return;
    const pct = Math.floor((done / total) * 100);
    if (pct === this.last && done !== total) return;
    this.last = pct;
    const width = 24;
    const filled = Math.round((pct / 100) * width);
    process.stderr.write(
      `\r${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${pct}% ${message}`
        .slice(0, 100)
        .padEnd(100),
    );
  }

  done(): void {
    if (this.io.isTTY && this.last >= 0) process.stderr.write('\n');
  }
}
