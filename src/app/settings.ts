// Use cases of settings: the project's (bds.json, travels with git) and this machine's for the project
// (BDS_HOME: Python runtime mode, pool size, time limits), listed, read and set with validation.
import { z } from 'zod';
import { BdsError } from '../core/errors.js';
import { describeZodError } from '../core/schemas.js';
import { PROJECT_SETTING_KEYS } from '../content/project.js';
import { MACHINE_SETTING_KEYS, type MachineSettings } from './machine-settings.js';
import type { AppServices } from './services.js';
import { workspaceUseCase } from './use-case.js';

const Setting = z.object({
  key: z.string(),
  /** `project`: bds.json, shared through git; `machine`: this computer only (BDS_HOME). */
  scope: z.enum(['project', 'machine']),
  value: z.unknown(),
  default: z.unknown().optional(),
  description: z.string(),
  /** The value is read-only here (the project id). */
  readOnly: z.boolean(),
});
type SettingOut = z.infer<typeof Setting>;

function allSettings(app: AppServices): SettingOut[] {
  const project = app.project.settings as Record<string, unknown>;
  const machine = app.machineSettings() as unknown as Record<string, unknown>;
  return [
    ...PROJECT_SETTING_KEYS.map((k) => ({
      key: k.key,
      scope: 'project' as const,
      value: project[k.key],
      ...(k.default === undefined ? {} : { default: k.default }),
      description: k.description,
      readOnly: k.key === 'id',
    })),
    ...MACHINE_SETTING_KEYS.map((k) => ({
      key: k.key,
      scope: 'machine' as const,
      value: machine[k.key],
      default: k.default,
      description: k.description,
      readOnly: false,
    })),
  ];
}

function findSetting(app: AppServices, key: string): SettingOut {
  const s = allSettings(app).find((x) => x.key === key);
  if (!s) {
    const known = allSettings(app)
      .map((x) => x.key)
      .join(', ');
    throw new BdsError('invalid-argument', `There is no setting "${key}"; settings are: ${known}`);
  }
  return s;
}

export const listSettings = workspaceUseCase({
  name: 'settings.list',
  description: 'Every setting of the project (bds.json) and of this machine for it, with value and default.',
  input: z.object({}),
  output: z.array(Setting),
  readOnly: true,
  errors: [],
  http: { method: 'GET', path: '/api/settings' },
  python: {
    method: 'project.getSettings',
    description: 'The project settings from bds.json.',
    params: z.object({}),
    result: z.looseObject({
      id: z.string(),
      name: z.string(),
      mainLanguage: z.string(),
      timezone: z.string(),
    }),
    fromOutput: (list: SettingOut[]) =>
      Object.fromEntries(
        list.filter((s) => s.scope === 'project' && s.value !== undefined).map((s) => [s.key, s.value]),
      ),
  },
  run: (app) => allSettings(app),
});

export const getSetting = workspaceUseCase({
  name: 'settings.get',
  description: 'One setting with its value, default and where it is kept.',
  input: z.object({ key: z.string().min(1) }),
  output: Setting,
  readOnly: true,
  errors: [],
  http: { method: 'GET', path: '/api/settings/:key' },
  run: (app, { key }) => findSetting(app, key),
});

export const setSetting = workspaceUseCase({
  name: 'settings.set',
  description:
    'Change one setting: a project setting is written to bds.json, a machine setting to BDS_HOME; an invalid value changes nothing.',
  input: z.object({ key: z.string().min(1), value: z.unknown() }),
  output: Setting,
  readOnly: false,
  errors: ['settings-invalid', 'io-error'],
  http: { method: 'PUT', path: '/api/settings/:key' },
  run: (app, { key, value }) => {
    const s = findSetting(app, key);
    if (s.readOnly) throw new BdsError('settings-invalid', `"${key}" cannot be changed`);
    if (s.scope === 'project') {
      app.updateSettings({ [key]: value });
    } else {
      const spec = MACHINE_SETTING_KEYS.find((k) => k.key === key)!;
      const r = spec.schema.safeParse(value);
      if (!r.success) {
        throw new BdsError('settings-invalid', `${key} ${describeZodError(r.error).message}`, {
          details: { key },
        });
      }
      app.writeMachineSettings({ [key]: r.data } as Partial<MachineSettings>);
    }
    app.emit('settings-changed', { keys: [key] });
    return findSetting(app, key);
  },
});

export const SETTINGS_USE_CASES = [listSettings, getSetting, setSetting] as const;
