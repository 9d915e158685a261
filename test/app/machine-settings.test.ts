import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  MACHINE_SETTING_KEYS,
  MachineSettingsSchema,
  MachineSettingsStore,
} from '../../src/app/machine-settings.js';
import { BdsError } from '../../src/core/errors.js';
import { DEFAULT_TIMEOUTS, PYTHON_RUNTIME_MODES } from '../../src/scripting/runtime/types.js';
import { Workspace } from '../../src/app/workspace.js';
import { cleanupTempDirs, TEST_PROJECT_ID, tempDir, writeProject } from '../helpers/project.js';

afterEach(() => cleanupTempDirs());

const ID = TEST_PROJECT_ID;
const DEFAULTS = {
  pythonRuntimeMode: 'worker',
  pythonPoolSize: Math.max(1, Math.min(8, os.availableParallelism())),
  macroTimeoutMs: 5000,
  utilityTimeoutMs: 60000,
};

function store(): { home: string; machine: MachineSettingsStore; file: string } {
  const home = tempDir('bds-home-');
  return { home, machine: new MachineSettingsStore(home), file: path.join(home, 'machine', `${ID}.json`) };
}

describe('MachineSettingsStore', () => {
  it('gives the defaults when nothing is stored, and writes nothing', () => {
    const { home, machine } = store();
    expect(machine.readWithProblems(ID)).toEqual({ settings: DEFAULTS, problems: [] });
    expect(fs.existsSync(path.join(home, 'machine'))).toBe(false);
  });

  it('the defaults match what the Python runtime uses without settings', () => {
    const defaults = MachineSettingsSchema.parse({});
    expect(defaults.macroTimeoutMs).toBe(DEFAULT_TIMEOUTS.macro);
    expect(defaults.utilityTimeoutMs).toBe(DEFAULT_TIMEOUTS.utility);
    expect(MachineSettingsSchema.shape.pythonRuntimeMode.unwrap().options).toEqual([...PYTHON_RUNTIME_MODES]);
  });

  it('writes a patch to BDS_HOME/machine/<id>.json and reads it back, keeping only chosen keys', () => {
    const { machine, file } = store();
    expect(machine.write(ID, { pythonRuntimeMode: 'main-thread' })).toEqual({
      ...DEFAULTS,
      pythonRuntimeMode: 'main-thread',
    });
    machine.write(ID, { macroTimeoutMs: 250 });
    expect(machine.read(ID)).toEqual({ ...DEFAULTS, pythonRuntimeMode: 'main-thread', macroTimeoutMs: 250 });
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({
      pythonRuntimeMode: 'main-thread',
      macroTimeoutMs: 250,
    });
    expect(fs.readdirSync(path.dirname(file))).toEqual([`${ID}.json`]);
    machine.write(ID, { pythonRuntimeMode: undefined });
    expect(machine.read(ID).pythonRuntimeMode).toBe('worker');
  });

  it('rejects an invalid value or an unknown key and writes nothing', () => {
    const { machine, file } = store();
    machine.write(ID, { pythonPoolSize: 2 });
    const before = fs.readFileSync(file);
    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [{ pythonPoolSize: 9 }, /"pythonPoolSize" must be a whole number from 1 to 8, not 9/],
      [{ pythonRuntimeMode: 'webworker' }, /"worker" or "main-thread"/],
      [{ macroTimeoutMs: 50, pythonPoolSize: 3 }, /"macroTimeoutMs"/],
      [{ timeout: 5 }, /not a machine setting/],
    ];
    for (const [patch, message] of bad) {
      expect(() => machine.write(ID, patch)).toThrow(message);
      try {
        machine.write(ID, patch);
      } catch (e) {
        expect(e).toBeInstanceOf(BdsError);
        expect((e as BdsError).code).toBe('settings-invalid');
      }
    }
    expect(fs.readFileSync(file).equals(before)).toBe(true);
  });

  it('a corrupt file gives the defaults and one problem naming the file; a write replaces it', () => {
    const { machine, file } = store();
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '{ "pythonRuntimeMode": "main-th');
    const { settings, problems } = machine.readWithProblems(ID);
    expect(settings).toEqual(DEFAULTS);
    expect(problems).toEqual([
      { code: 'settings-invalid', message: expect.stringMatching(/is not valid JSON/), file },
    ]);
    expect(path.isAbsolute(problems[0]!.file)).toBe(true);
    machine.write(ID, { pythonPoolSize: 1 });
    expect(machine.readWithProblems(ID)).toEqual({
      settings: { ...DEFAULTS, pythonPoolSize: 1 },
      problems: [],
    });
  });

  it('a file that is not an object, or not UTF-8, gives the defaults and a problem', () => {
    const { machine, file } = store();
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '["worker"]');
    expect(machine.readWithProblems(ID).problems).toMatchObject([{ code: 'settings-invalid', file }]);
    fs.writeFileSync(file, Buffer.from([0x7b, 0xff, 0x7d]));
    expect(machine.readWithProblems(ID)).toMatchObject({
      settings: DEFAULTS,
      problems: [{ code: 'file-encoding', file }],
    });
  });

  it('invalid values fall back per key, each reported with its line; valid ones are kept', () => {
    const { machine, file } = store();
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(
      file,
      '{\n  "pythonRuntimeMode": "main-thread",\n  "pythonPoolSize": 64,\n  "macroTimeoutMs": "fast",\n  "futureKey": true\n}\n',
    );
    const { settings, problems } = machine.readWithProblems(ID);
    expect(settings).toEqual({ ...DEFAULTS, pythonRuntimeMode: 'main-thread' });
    expect(problems).toMatchObject([
      { code: 'settings-invalid', file, line: 3, column: 3 },
      { code: 'settings-invalid', file, line: 4, column: 3 },
    ]);
    expect(problems[0]!.message).toMatch(/"pythonPoolSize" must be a whole number from 1 to 8, not 64/);
    // Keys of a newer bds survive a write.
    machine.write(ID, { pythonPoolSize: 2 });
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toMatchObject({ futureKey: true, pythonPoolSize: 2 });
  });

  it('adoptLegacy takes the valid bds.json values once, when this machine has no file yet', () => {
    const { machine, file } = store();
    const legacy = { pythonRuntimeMode: 'main-thread', pythonPoolSize: 0, macroTimeoutMs: 9000 };
    expect(machine.adoptLegacy(ID, legacy)).toEqual({ adopted: ['pythonRuntimeMode', 'macroTimeoutMs'] });
    expect(machine.read(ID)).toEqual({ ...DEFAULTS, pythonRuntimeMode: 'main-thread', macroTimeoutMs: 9000 });
    // A later bds.json (a pull) cannot change this machine's choice.
    expect(machine.adoptLegacy(ID, { pythonRuntimeMode: 'worker', macroTimeoutMs: 600000 })).toEqual({
      adopted: [],
    });
    expect(machine.read(ID).macroTimeoutMs).toBe(9000);
    expect(fs.existsSync(file)).toBe(true);
  });

  it('adoptLegacy with nothing to adopt still records the choice, so a later pull adopts nothing', () => {
    const { machine, file } = store();
    expect(machine.adoptLegacy(ID, {})).toEqual({ adopted: [] });
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({});
    expect(machine.adoptLegacy(ID, { pythonRuntimeMode: 'main-thread' })).toEqual({ adopted: [] });
    expect(machine.read(ID).pythonRuntimeMode).toBe('worker');
  });

  it('adoptLegacy never takes an invalid value such as the seed’s "webworker"', () => {
    const { machine } = store();
    expect(machine.adoptLegacy(ID, { pythonRuntimeMode: 'webworker' })).toEqual({ adopted: [] });
    expect(machine.read(ID).pythonRuntimeMode).toBe('worker');
  });

  it('a project id that is a path is refused: it would name a file outside BDS_HOME/machine', () => {
    const { machine } = store();
    expect(() => machine.read('../../evil')).toThrow(BdsError);
    expect(() => machine.adoptLegacy('../x', { pythonRuntimeMode: 'main-thread' })).toThrow(BdsError);
  });
});

describe('MACHINE_SETTING_KEYS', () => {
  it('describes each machine setting with its default', () => {
    expect(MACHINE_SETTING_KEYS.map((k) => k.key)).toEqual(Object.keys(DEFAULTS));
    for (const k of MACHINE_SETTING_KEYS) {
      expect(k.default).toEqual(DEFAULTS[k.key as keyof typeof DEFAULTS]);
      expect(k.required).toBe(false);
      expect(k.description.length).toBeGreaterThan(10);
    }
  });
});

describe('a machine setting changed while bds runs', () => {
  it('applies to the next Python call without a restart: mode, pool size and time limits', async () => {
    const ws = Workspace.open(writeProject({}), { home: tempDir('bds-home-') });
    try {
      await ws.call('scripts.create', {
        title: 'Slow',
        kind: 'utility',
        slug: 'slow',
        code: 'def main(context):\n    n = 0\n    for i in range(context["params"].get("n", 10)):\n        n += i\n    return n\n',
      });
      expect(ws.python().mode).toBe('worker');
      expect((await ws.call('scripts.run', { ref: 'slow', params: {} })).value).toBe(45);
      await ws.call('settings.set', { key: 'pythonRuntimeMode', value: 'main-thread' });
      expect(ws.python().mode).toBe('main-thread');
      expect((await ws.call('scripts.run', { ref: 'slow', params: { n: 5 } })).value).toBe(10);
      // A shorter limit takes effect at once: a long loop now stops at it.
      await ws.call('settings.set', { key: 'pythonRuntimeMode', value: 'worker' });
      await ws.call('settings.set', { key: 'utilityTimeoutMs', value: 200 });
      const stopped = await ws.call('scripts.run', { ref: 'slow', params: { n: 10 ** 10 } });
      expect(stopped.status).toBe('timeout');
    } finally {
      await ws.close();
    }
  }, 60_000);
});
