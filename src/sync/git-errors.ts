// Git failures sorted into the few kinds a user can act on, each with guidance: sign in, resolve a
// conflict, pull before pushing, check the remote's URL, check the network, make the folder a
// repository, or read git's own message.
import os from 'node:os';

export type GitFailureCode =
  | 'auth-required'
  | 'conflict'
  | 'push-rejected'
  | 'remote-unreachable'
  | 'network'
  | 'not-a-repo'
  | 'action-failed';

/** What every git action returns; a failure never throws. */
export interface GitActionResult {
  success: boolean;
  code?: GitFailureCode;
  error?: string;
  guidance?: string[];
}

const AUTH = [
  /Authentication failed/i,
  /could not read (Username|Password)/i,
  /terminal prompts disabled/i,
  /Permission denied \(/i,
  /Host key verification failed/i,
  /Invalid username or password/i,
  /HTTP Basic: Access denied/i,
  /The requested URL returned error: 40[13]/i,
  /no supported authentication methods/i,
];

// A push the remote refused: nothing was sent, no file is in conflict.
const PUSH_REJECTED = [
  /non-fast-forward/i,
  /\[rejected\]/i,
  /\[remote rejected\]/i,
  /Updates were rejected/i,
  /fetch first/i,
  /failed to push some refs/i,
];

const CONFLICT = [
  /^CONFLICT/m,
  /Automatic merge failed/i,
  /divergent branches/i,
  /Not possible to fast-forward/i,
  /would be overwritten by merge/i,
  /unmerged files/i,
  /You have not concluded your merge/i,
];

const NETWORK = [
  /Could not resolve host/i,
  /Could not resolve hostname/i,
  /Connection refused/i,
  /Connection timed out/i,
  /Operation timed out/i,
  /timed out/i,
  /Network is unreachable/i,
  /No route to host/i,
  /Connection reset/i,
  /Connection closed by/i,
  /unexpected disconnect/i,
  /early EOF/i,
  /Failed to connect to/i,
  /unable to access '.*': (?!The requested URL returned error: 40[13])/i,
];

const WRONG_REMOTE = [/does not appear to be a git repository/i, /repository '.*' not found/i];

/** Sort git's output (stderr and stdout) into a failure code with guidance for the user. */
export function classifyGitFailure(
  output: string,
  remoteUrl?: string,
): Required<Omit<GitActionResult, 'success'>> {
  const text = output.trim();
  const error = summarise(text);
  if (AUTH.some((re) => re.test(text))) {
    return { code: 'auth-required', error, guidance: authGuidance(text, remoteUrl) };
  }
  if (WRONG_REMOTE.some((re) => re.test(text))) {
    return {
      code: 'remote-unreachable',
      error,
      guidance: [
        'Check the remote URL with `git remote -v`; the repository it names does not exist or is not readable.',
      ],
    };
  }
  // Before conflicts: a merge conflict's output never says a push was rejected, but may say CONFLICT
  // only in a pull, and a rejected push must not send the user looking for conflict markers.
  if (PUSH_REJECTED.some((re) => re.test(text)) && !/^CONFLICT/m.test(text)) {
    return { code: 'push-rejected', error, guidance: pushRejectedGuidance(text) };
  }
  if (CONFLICT.some((re) => re.test(text))) {
    return { code: 'conflict', error, guidance: conflictGuidance(text) };
  }
  if (NETWORK.some((re) => re.test(text))) {
    return {
      code: 'network',
      error,
      guidance: [
        `Check the network connection and that ${hostOf(remoteUrl) ?? 'the remote host'} is reachable.`,
        'Try again later; nothing was changed.',
      ],
    };
  }
  if (/not a git repository/i.test(text)) {
    return {
      code: 'not-a-repo',
      error,
      guidance: ['Run `bds git init` (optionally with --remote URL) to make the project a repository.'],
    };
  }
  if (/Please tell me who you are|empty ident name|unable to auto-detect email/i.test(text)) {
    return {
      code: 'action-failed',
      error,
      guidance: [
        'Tell git who you are: git config --global user.name "Your Name"',
        'and: git config --global user.email you@example.com',
      ],
    };
  }
  return { code: 'action-failed', error, guidance: [] };
}

function pushRejectedGuidance(text: string): string[] {
  if (/\[remote rejected\]/i.test(text)) {
    return [
      'The remote refused the push (a hook or a protected branch): its reason is in the message above; nothing was sent.',
    ];
  }
  return ['The remote has commits you do not have: pull first (`bds git pull`), then push again.'];
}

function conflictGuidance(text: string): string[] {
  if (/would be overwritten by merge|Your local changes/i.test(text)) {
    return ['Commit your local changes first (`bds git commit -m MESSAGE`), then pull again.'];
  }
  return [
    'Edit the conflicting files listed above: keep the text you want and remove the <<<<<<< ======= >>>>>>> lines.',
    'Then run `bds git commit -m "Merge"` to finish the merge, and push.',
    'To give up the merge instead: git merge --abort',
  ];
}

function authGuidance(text: string, remoteUrl?: string): string[] {
  const host = hostOf(remoteUrl) ?? 'the remote host';
  if (/Host key verification failed/i.test(text)) {
    return [
      `bds does not know the SSH host key of ${host}; connect once with \`ssh ${host}\` in a terminal to check and accept it.`,
    ];
  }
  const ssh = remoteUrl ? isSshUrl(remoteUrl) : /Permission denied \(/i.test(text);
  if (ssh) {
    return [
      'Load your SSH key into the agent: ssh-add ~/.ssh/id_ed25519 (or your key file).',
      `Check that the public key is registered with ${host}; test with: ssh -T git@${host}`,
      'bds never asks for passwords or passphrases: git runs in batch mode.',
    ];
  }
  const helper =
    os.platform() === 'darwin'
      ? 'osxkeychain'
      : os.platform() === 'win32'
        ? 'manager'
        : 'cache (or libsecret)';
  return [
    `Store your credentials for ${host} in a git credential helper: git config --global credential.helper ${helper}`,
    'then run `git fetch` once in a terminal to sign in; bds never prompts for passwords.',
    'For GitHub and similar hosts use a personal access token, not your password.',
  ];
}

export function isSshUrl(url: string): boolean {
  return /^(git\+)?ssh:\/\//.test(url) || SCP_LIKE.test(url);
}

// `user@host:path` or `host:path` (git's scp-like syntax); not `C:\...` and not a URL with a scheme.
const SCP_LIKE = /^(?:[^@/:\s]+@)?([^@/:\s]{2,}):(?!\/\/)/;

function hostOf(url?: string): string | undefined {
  if (!url) return undefined;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    try {
      return new URL(url).hostname || undefined;
    } catch {
      return undefined;
    }
  }
  return SCP_LIKE.exec(url)?.[1];
}

/** The lines of git's output worth showing: errors, hints and conflicts, not progress chatter. */
function summarise(text: string): string {
  const lines = text
    .split(/\r?\n|\r/)
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== '');
  const useful = lines.filter((l) =>
    /^(fatal|error|CONFLICT|!|\s*!|hint: Updates|remote:|ssh:)|rejected|denied|failed/i.test(l),
  );
  return (useful.length > 0 ? useful : lines.slice(-5)).slice(0, 12).join('\n') || 'git failed';
}
