// Defence in depth that only a Node realm needs: a worker thread can start programs.
import childProcess from 'node:child_process';
import { poisonCodeGeneration } from './hardening.js';

/**
 * Make the realm's child_process unable to start programs. Pyodide implements `os.system` in Node by
 * calling `child_process.spawnSync`; Python-level blocks can be bypassed, this cannot from Python.
 * Only for a worker realm: the host needs child_process (git, rsync).
 */
export function disableChildProcesses(): void {
  const refuse = (): never => {
    throw new Error('bds Python runtimes cannot start programs');
  };
  const cp = childProcess as unknown as Record<string, unknown>;
  for (const name of ['spawn', 'exec', 'execFile', 'fork', 'execSync', 'execFileSync']) cp[name] = refuse;
  // spawnSync is called from inside WebAssembly, where a throw is fatal: answer "could not run" instead.
  cp.spawnSync = () => ({
    pid: 0,
    status: 127,
    signal: null,
    output: [null, null, null],
    stdout: null,
    stderr: null,
    error: new Error('bds Python runtimes cannot start programs'),
  });
}

/** Everything a Node worker realm closes once Pyodide has loaded. */
export function hardenNodeWorkerRealm(): void {
  disableChildProcesses();
  poisonCodeGeneration();
}
