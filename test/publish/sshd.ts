// A real sshd on 127.0.0.1 for publish tests: throw-away host and client keys in a temp folder,
// started on a free port and killed by its pid file when the tests end.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface TestSshd {
  port: number;
  user: string;
  dir: string;
  /** The client key sshd accepts. */
  key: string;
  /** A key sshd does not know. */
  wrongKey: string;
  /** ssh options that keep the test's host keys out of the user's known_hosts. */
  sshOptions: string[];
  stop(): void;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function keygen(file: string): void {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'bds-test', '-f', file]);
}

async function waitForPort(port: number, deadline: number): Promise<void> {
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`sshd did not listen on port ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startSshd(): Promise<TestSshd> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bds-sshd-'));
  fs.mkdirSync('/run/sshd', { recursive: true });
  const hostKey = path.join(dir, 'hostkey');
  const key = path.join(dir, 'client');
  const wrongKey = path.join(dir, 'stranger');
  keygen(hostKey);
  keygen(key);
  keygen(wrongKey);
  fs.copyFileSync(`${key}.pub`, path.join(dir, 'authorized_keys'));
  const pidFile = path.join(dir, 'sshd.pid');
  const config = path.join(dir, 'sshd_config');
  const log = path.join(dir, 'sshd.log');

  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    fs.writeFileSync(
      config,
      [
        `Port ${port}`,
        'ListenAddress 127.0.0.1',
        `HostKey ${hostKey}`,
        `PidFile ${pidFile}`,
        `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
        'PermitRootLogin prohibit-password',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'UsePAM no',
        'StrictModes no',
        'Subsystem sftp /usr/lib/openssh/sftp-server',
        '',
      ].join('\n'),
    );
    execFileSync('/usr/sbin/sshd', ['-t', '-f', config]);
    const child = spawn('/usr/sbin/sshd', ['-f', config, '-E', log], { stdio: 'ignore' });
    await new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      await waitForPort(port, Date.now() + 10_000);
    } catch (e) {
      lastError = e;
      continue;
    }
    const knownHosts = path.join(dir, 'known_hosts');
    return {
      port,
      user: os.userInfo().username,
      dir,
      key,
      wrongKey,
      sshOptions: ['-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'GlobalKnownHostsFile=/dev/null'],
      stop() {
        try {
          const pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
          if (pid > 0) process.kill(pid, 'SIGTERM');
        } catch {
          // Already gone.
        }
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  throw lastError;
}
