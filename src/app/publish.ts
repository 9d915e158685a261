// Use cases of publishing: the settings in meta/publishing.json (no secrets), and the upload of html/,
// thumbnails/ and media/ as three tasks of the workspace, so a publish shows with the other long jobs.
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import {
  PUBLISHING_FILE,
  PublishSettingsSchema,
  readPublishSettings,
  uploadSite,
  writePublishSettings,
  type UploadResult,
} from '../publish/index.js';
import { shaped, workspaceUseCase } from './use-case.js';

const Mode = z.enum(['rsync', 'scp']);

export const getPublishConfig = workspaceUseCase({
  name: 'publish.getConfig',
  description: `The publishing settings of ${PUBLISHING_FILE}.`,
  input: z.object({}),
  output: PublishSettingsSchema,
  readOnly: true,
  errors: ['publish-not-configured', 'publish-config-invalid'],
  http: { method: 'GET', path: '/api/publish/config' },
  run: (app) => readPublishSettings(app.root),
});

export const setPublishConfig = workspaceUseCase({
  name: 'publish.setConfig',
  description: `Write ${PUBLISHING_FILE}: the given fields replace the current ones (no secrets: keys come from the ssh agent or an identity file).`,
  input: z.object({
    host: z.string().optional(),
    user: z.string().optional(),
    remotePath: z.string().optional(),
    port: z.number().int().optional(),
    identityFile: z.string().optional(),
    mode: Mode.optional(),
  }),
  output: PublishSettingsSchema,
  readOnly: false,
  errors: ['publish-config-invalid', 'io-error'],
  http: { method: 'PUT', path: '/api/publish/config' },
  run: (app, given) => {
    const current = fs.existsSync(path.join(app.root, PUBLISHING_FILE))
      ? readPublishSettings(app.root)
      : undefined;
    const merged = {
      ...current,
      ...Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)),
    };
    const written = writePublishSettings(app.root, merged);
    app.changed('meta-changed', [PUBLISHING_FILE]);
    return written;
  },
});

const UploadSummarySchema = z.looseObject({
  htmlFilesUploaded: z.number(),
  thumbnailFilesUploaded: z.number(),
  mediaFilesUploaded: z.number(),
  filesDeleted: z.number(),
  dryRun: z.boolean(),
  mode: Mode,
});

export const uploadSiteUseCase = workspaceUseCase({
  name: 'publish.upload',
  description: `Upload html/, thumbnails/ and media/ (without sidecars) over ssh with the settings of ${PUBLISHING_FILE}, as three parallel tasks.`,
  input: z.object({
    dryRun: z.boolean().optional().describe('only report what would be sent'),
    delete: z.boolean().optional().describe('remove remote files that are no longer generated'),
    mode: Mode.optional().describe('override the mode of the settings'),
  }),
  output: shaped<UploadResult>(
    UploadSummarySchema.extend({
      parts: z.array(z.looseObject({ part: z.string(), status: z.string() })),
    }),
  ),
  readOnly: false,
  waits: true,
  // An upload reads the built site; the project's files can change meanwhile.
  serial: false,
  errors: [
    'publish-not-configured',
    'publish-config-invalid',
    'site-not-built',
    'auth-required',
    'network',
    'publish-failed',
    'task-cancelled',
  ],
  http: { method: 'POST', path: '/api/publish' },
  python: {
    method: 'publish.uploadSite',
    description: `Upload html/, thumbnails/ and media/ over ssh with the settings of ${PUBLISHING_FILE}.`,
    params: z.object({
      dryRun: z.boolean().optional().describe('only report what would be sent'),
      delete: z.boolean().optional().describe('remove remote files that are no longer generated'),
    }),
    // Python gets the counts without the parts (the result it always had).
    result: UploadSummarySchema,
    fromOutput: ({ parts: _p, ...r }: UploadResult) => r,
  },
  run: (app, input, ctx) =>
    uploadSite(app, readPublishSettings(app.root), {
      ...input,
      runner: app.tasks,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      // ssh options belong to the user's machine, never to the project.
      sshOptions: ctx.env?.BDS_SSH_OPTIONS?.split(/\s+/).filter(Boolean),
    }),
});

export const PUBLISH_USE_CASES = [getPublishConfig, setPublishConfig, uploadSiteUseCase] as const;
