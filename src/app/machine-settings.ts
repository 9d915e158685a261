// This machine's settings for one project (how Python runs: mode, pool size, time limits), kept in
// BDS_HOME/machine/<projectId>.json, so that a bds.json pulled from someone else cannot change them.
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../core/atomic.js';
import { BdsError, problemFrom, type Problem } from '../core/errors.js';
import { decodeUtf8 } from '../core/frontmatter.js';
import {
  checkSetting,
  MACHINE_SETTING_KEYS,
  MachineSettingsSchema,
  parseSettingsByKey,
  SAFE_ID,
  type MachineSettings,
} from '../core/schemas.js';
import { locateJsonKey } from '../content/project.js';

export {
  defaultPythonPoolSize,
  MACHINE_SETTING_KEYS,
  MachineSettingsSchema,
  type MachineSettings,
} from '../core/schemas.js';

export interface MachineSettingsRead {
  settings: MachineSettings;
  /** What is wrong in the file (`file` is its absolute path); each bad key uses its default meanwhile. */
  problems: Problem[];
}

export class MachineSettingsStore {
  constructor(private readonly home: string) {}

  /** The file holding the settings of `projectId`. */
  file(projectId: string): string {
    // The id comes from bds.json, which may come from anyone, and here it names a file in BDS_HOME.
    if (!SAFE_ID.test(projectId)) {
      throw new BdsError('invalid-argument', `"${projectId}" is not a project id a file can be named by`);
    }
    return path.join(this.home, 'machine', `${projectId}.json`);
  }

  read(projectId: string): MachineSettings {
    return this.readWithProblems(projectId).settings;
  }

  /** Never throws for what is in the file: a missing, corrupt or invalid file gives defaults per key. */
  readWithProblems(projectId: string): MachineSettingsRead {
    const file = this.file(projectId);
    const { raw, text, problems } = this.readRaw(file);
    const { data, invalid } = parseSettingsByKey(MachineSettingsSchema, MACHINE_SETTING_KEYS, raw ?? {});
    for (const i of invalid) {
      problems.push({
        code: 'settings-invalid',
        message: `${file}: ${i.message}; bds uses ${JSON.stringify(i.fallback)}`,
        file,
        ...locateJsonKey(text, i.key),
      });
    }
    // Every machine key has a default, so `data` is only missing if that stops being true.
    return { settings: data ?? MachineSettingsSchema.parse({}), problems };
  }

  /**
   * Set keys of `patch` (`undefined` goes back to the default). Every value is checked first, and nothing
   * is written when one is invalid. Keys bds does not know (from a newer bds) are kept.
   */
  write(projectId: string, patch: Partial<MachineSettings>): MachineSettings {
    const file = this.file(projectId);
    for (const [key, value] of Object.entries(patch)) {
      const spec = MACHINE_SETTING_KEYS.find((k) => k.key === key);
      if (!spec) {
        const known = MACHINE_SETTING_KEYS.map((k) => k.key).join(', ');
        throw new BdsError('settings-invalid', `"${key}" is not a machine setting (they are ${known})`, {
          file,
        });
      }
      const message = value === undefined ? undefined : checkSetting(spec, value);
      if (message) {
        throw new BdsError('settings-invalid', message, {
          file,
          hint: `Give "${key}" ${spec.allowed}.`,
          details: { key, value, allowed: spec.allowed },
        });
      }
    }
    // A corrupt file is replaced: readWithProblems has reported it, and the user is setting values now.
    const next: Record<string, unknown> = { ...(this.readRaw(file).raw ?? {}) };
    for (const [key, value] of Object.entries(patch)) {
      if (value === undefined) delete next[key];
      else next[key] = value;
    }
    this.writeRaw(file, next);
    return this.read(projectId);
  }

  /**
   * Take the valid machine settings an older bds.json held as this machine's first values. Only once:
   * when the machine file exists (even holding nothing) this does nothing, so a bds.json that arrives
   * later with a pull cannot change how Python runs here.
   */
  adoptLegacy(projectId: string, legacy: Record<string, unknown>): { adopted: string[] } {
    const file = this.file(projectId);
    if (fs.existsSync(file)) return { adopted: [] };
    const values: Record<string, unknown> = {};
    for (const key of MACHINE_SETTING_KEYS) {
      if (!Object.hasOwn(legacy, key.key)) continue;
      if (checkSetting(key, legacy[key.key]) === undefined) values[key.key] = legacy[key.key];
    }
    // Written even when empty: the file's existence records that this machine has made its choice.
    this.writeRaw(file, values);
    return { adopted: Object.keys(values) };
  }

  private readRaw(file: string): {
    raw: Record<string, unknown> | undefined;
    text: string;
    problems: Problem[];
  } {
    let text: string;
    try {
      text = decodeUtf8(fs.readFileSync(file), file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { raw: undefined, text: '', problems: [] };
      const problem = problemFrom(e, file);
      if (problem.code === 'internal') problem.code = 'io-error';
      problem.message = `${file} cannot be read (${problem.message}); bds uses the default machine settings`;
      return { raw: undefined, text: '', problems: [problem] };
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (e) {
      const message = `${file} is not valid JSON (${(e as Error).message}); bds uses the default machine settings`;
      return { raw: undefined, text, problems: [{ code: 'settings-invalid', message, file }] };
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      const message = `${file} must hold a JSON object ({ ... }); bds uses the default machine settings`;
      return { raw: undefined, text, problems: [{ code: 'settings-invalid', message, file }] };
    }
    return { raw: raw as Record<string, unknown>, text, problems: [] };
  }

  // Only the keys set are stored, not the defaults, so a default that changes (the pool size follows
  // the cores) still reaches a machine where nobody chose a value.
  private writeRaw(file: string, values: Record<string, unknown>): void {
    writeFileAtomic(file, `${JSON.stringify(values, null, 2)}\n`);
  }
}
