// Running ssh, rsync and scp: argv without secrets, batch mode (never a prompt), a process group that
// cancellation kills whole, and ssh failures sorted into auth-required, network or publish-failed.
import { spawn } from 'node:child_process';
import { BdsError } from '../core/errors.js';

export interface SshTarget {
  host: string;
  port: number;
  user: string;
  /** Absolute path of the private key, or undefined to use the ssh agent and ssh's defaults. */
  identityFile?: string;
  /** More ssh arguments from the caller (tests pass a temp UserKnownHostsFile). */
  extraOptions: string[];
}

/** ssh options shared by ssh, scp and rsync's `-e` (the port is added by each tool's own flag). */
export function sshOptions(t: SshTarget): string[] {
  return [
    ...(t.identityFile ? ['-i', t.identityFile, '-o', 'IdentitiesOnly=yes'] : []),
    '-o',
    'BatchMode=yes',
    '-o',
    'StrictHostKeyChecking=accept-new',
    '-o',
    'ConnectTimeout=10',
    '-o',
    'ServerAliveInterval=15',
    '-o',
    'ServerAliveCountMax=4',
    '-o',
    'LogLevel=ERROR',
    ...t.extraOptions,
  ];
}

/** `user@host`, with an IPv6 address in brackets where scp and rsync need them. */
export function remoteLogin(t: SshTarget, forPath: boolean): string {
  const host = t.host.replace(/^\[|\]$/g, '');
  return `${t.user}@${forPath && host.includes(':') ? `[${host}]` : host}`;
}

/** Quote one argument for a POSIX shell (the remote side of `ssh host command`). */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The `-e` command for rsync: rsync splits it on spaces and honours quotes, not backslashes. */
export function rsyncShell(t: SshTarget): string {
  const quote = (a: string) => {
    if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(a)) return a;
    if (!a.includes("'")) return `'${a}'`;
    if (!a.includes('"')) return `"${a}"`;
    throw new BdsError('publish-config-invalid', `An ssh argument holds both kinds of quote: ${a}`);
  };
  return ['ssh', '-p', String(t.port), ...sshOptions(t)].map(quote).join(' ');
}

export interface ProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  signal?: AbortSignal;
  /** Each line of stdout as it arrives (`\r` ends a line too: rsync redraws progress with it). */
  onLine?: (line: string) => void;
}

const MAX_KEPT = 1 << 20;

/**
 * Run a program in its own process group. An abort kills the whole group (rsync and the ssh it
 * started) and rejects with the signal's reason once the processes are gone.
 */
export function runProcess(
  command: string,
  args: string[],
  options: RunOptions = {},
): Promise<ProcessResult> {
  const { signal, onLine } = options;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const env = { ...process.env, SSH_ASKPASS_REQUIRE: 'never' };
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env });
    let stdout = '';
    let stderr = '';
    let partial = '';
    let killTimer: NodeJS.Timeout | undefined;
    const killGroup = (sig: NodeJS.Signals) => {
      try {
        if (child.pid) process.kill(-child.pid, sig);
      } catch {
        // The group is already gone.
      }
    };
    const onAbort = () => {
      killGroup('SIGTERM');
      killTimer = setTimeout(() => killGroup('SIGKILL'), 2000);
      killTimer.unref();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      if (stdout.length < MAX_KEPT) stdout += chunk;
      if (!onLine) return;
      const parts = (partial + chunk).split(/\r\n|\r|\n/);
      partial = parts.pop() ?? '';
      for (const line of parts) if (line) onLine(line);
    });
    child.stderr.on('data', (chunk: string) => {
      if (stderr.length < MAX_KEPT) stderr += chunk;
    });
    child.once('error', (e: NodeJS.ErrnoException) => {
      signal?.removeEventListener('abort', onAbort);
      if (e.code === 'ENOENT') {
        reject(
          new BdsError('publish-failed', `${command} is not installed on this machine`, {
            hint: `Install ${command} (${command === 'rsync' ? 'or publish with --mode scp' : 'openssh-client'}).`,
          }),
        );
      } else reject(e);
    });
    child.once('close', (code) => {
      signal?.removeEventListener('abort', onAbort);
      if (killTimer) clearTimeout(killTimer);
      if (partial && onLine) onLine(partial);
      if (signal?.aborted) reject(signal.reason);
      else resolve({ code, stdout, stderr });
    });
  });
}

/** A BdsError for a failed ssh/rsync/scp run, sorted by what the user has to do. */
export function sshFailure(what: string, t: SshTarget, result: ProcessResult): BdsError {
  const text = result.stderr.trim() || result.stdout.trim();
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const summary = lines.slice(0, 6).join('\n') || `exit code ${result.code}`;
  const where = `${remoteLogin(t, false)} port ${t.port}`;
  if (/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED/i.test(text)) {
    return new BdsError(
      'auth-required',
      `${what}: the host key of ${where} does not match the one known\n${summary}`,
      {
        hint: `Check the server's key, then fix ~/.ssh/known_hosts (ssh-keygen -R ${t.host}).`,
      },
    );
  }
  if (
    /Permission denied \(|Too many authentication failures|no such identity|Authentication failed/i.test(text)
  ) {
    return new BdsError('auth-required', `${what}: ${where} refused the ssh key\n${summary}`, {
      hint: t.identityFile
        ? `Check that the public key of ${t.identityFile} is in ~/.ssh/authorized_keys on the server; if the key has a passphrase, load it with ssh-add (bds never asks for it).`
        : 'Load your key into the ssh agent (ssh-add ~/.ssh/id_ed25519) or set identityFile with `bds publish config --identity-file FILE`; bds never asks for passwords.',
    });
  }
  if (
    /Connection refused|Connection timed out|timed out|Could not resolve hostname|No route to host|Network is unreachable|Connection reset|Connection closed by/i.test(
      text,
    )
  ) {
    return new BdsError('network', `${what}: cannot reach ${where}\n${summary}`);
  }
  if (/rsync: (command )?not found/i.test(text)) {
    return new BdsError('publish-failed', `${what}: ${summary}`, {
      hint: 'Install rsync on the server, or publish with --mode scp.',
    });
  }
  return new BdsError('publish-failed', `${what}: ${summary}`);
}
