// Publishing settings in meta/publishing.json: where the site goes and how. No secrets: keys come
// from the ssh agent or an identity file whose path (never its content) is stored here.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../core/atomic.js';
import { BdsError } from '../core/errors.js';

export const PUBLISHING_FILE = 'meta/publishing.json';

// Values end up in ssh/rsync/scp argv: nothing may start with "-" (it would read as an option) and
// host and user stay within the characters their names use.
const HOST = /^(?!-)[A-Za-z0-9._-]+$|^\[?[0-9A-Fa-f:.]+\]?$/;
const USER = /^[A-Za-z0-9._][A-Za-z0-9._-]*$/;
/**
 * The remote folder reaches a shell on the server (ssh's mkdir; rsync with old-style argument splitting,
 * as before rsync 3.2.4 or with RSYNC_OLD_ARGS=1; legacy scp). meta/publishing.json travels with git, so
 * a pulled change could otherwise run a command there: only characters no shell treats specially.
 */
const REMOTE_PATH = /^[A-Za-z0-9._~/+@,=-]+$/;

export const PublishSettingsSchema = z.strictObject({
  host: z.string().trim().min(1, 'is required').regex(HOST, 'must be a host name or an IP address'),
  port: z.number().int().min(1).max(65535).optional(),
  user: z.string().trim().min(1, 'is required').regex(USER, 'must be a user name (letters, digits, . _ -)'),
  remotePath: z
    .string()
    .trim()
    .min(1, 'is required')
    .refine((p) => !p.startsWith('-'), 'may not start with "-"')
    .refine(
      (p) => REMOTE_PATH.test(p),
      'may hold only letters, digits and / . _ - ~ + @ , = (no spaces, quotes, $, ;, |, & or other characters a shell on the server would read)',
    ),
  mode: z.enum(['rsync', 'scp']).default('rsync'),
  identityFile: z
    .string()
    .trim()
    .min(1)
    .refine((p) => !p.startsWith('-'), 'may not start with "-"')
    .optional(),
});

export type PublishSettings = z.infer<typeof PublishSettingsSchema>;
export type PublishSettingsInput = z.input<typeof PublishSettingsSchema>;

/** Check settings from any source; errors name the file and the field. */
export function parsePublishSettings(value: unknown, file = PUBLISHING_FILE): PublishSettings {
  const parsed = PublishSettingsSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = issue.path.map(String).join('.');
  let message = issue.message;
  if (issue.code === 'invalid_type' && /received undefined/.test(message)) message = 'is required';
  if (issue.code === 'unrecognized_keys') {
    message = `unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(', ')} (bds stores no passwords or keys here)`;
  }
  throw new BdsError(
    'publish-config-invalid',
    field ? `${file}: field "${field}" ${message}` : `${file}: ${message}`,
    // The file is named in the message; not as `file`, which would print it twice.
    { details: { file, field } },
  );
}

/** Read `meta/publishing.json` of the project at `root`. */
export function readPublishSettings(root: string): PublishSettings {
  const file = path.join(root, PUBLISHING_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new BdsError(
        'publish-not-configured',
        `Publishing is not configured: ${PUBLISHING_FILE} does not exist`,
        { details: { file: PUBLISHING_FILE } },
      );
    }
    throw new BdsError('io-error', `Cannot read ${PUBLISHING_FILE}: ${(cause as Error).message}`, { cause });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new BdsError(
      'publish-config-invalid',
      `${PUBLISHING_FILE} is not valid JSON: ${(cause as Error).message}`,
      { details: { file: PUBLISHING_FILE }, cause },
    );
  }
  return parsePublishSettings(json);
}

/** Validate and write `meta/publishing.json` atomically; returns what was written. */
export function writePublishSettings(
  root: string,
  input: PublishSettingsInput | Record<string, unknown>,
): PublishSettings {
  const settings = parsePublishSettings(input);
  const ordered: Record<string, unknown> = {
    host: settings.host,
    port: settings.port,
    user: settings.user,
    remotePath: settings.remotePath,
    mode: settings.mode,
    identityFile: settings.identityFile,
  };
  const clean = Object.fromEntries(Object.entries(ordered).filter(([, v]) => v !== undefined));
  writeFileAtomic(path.join(root, PUBLISHING_FILE), `${JSON.stringify(clean, null, 2)}\n`);
  return settings;
}

/** The identity file as an absolute path: `~/` is the home folder, a relative path is the project's. */
export function resolveIdentityFile(identityFile: string, root: string): string {
  if (identityFile === '~' || identityFile.startsWith('~/'))
    return path.join(os.homedir(), identityFile.slice(1));
  return path.resolve(root, identityFile);
}
