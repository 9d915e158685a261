import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BdsError } from '../../src/core/errors.js';
import {
  initProject,
  loadProject,
  locateJsonKey,
  PROJECT_SETTING_KEYS,
  updateProjectSettings,
} from '../../src/content/project.js';
import { cleanupTempDirs, tempDir } from '../helpers/project.js';

afterEach(() => cleanupTempDirs());

/** A project made by `bds init`, then bds.json edited by hand: `edit` gets and returns its text. */
function projectWith(edit: (text: string) => string): string {
  const root = path.join(tempDir(), 'blog');
  initProject(root, { name: 'Blog' });
  const file = path.join(root, 'bds.json');
  fs.writeFileSync(file, edit(fs.readFileSync(file, 'utf8')));
  return root;
}

/** Put `"key": value` right after the opening brace, on a line of its own (line 2). */
const withKey = (key: string, value: string) => (text: string) =>
  text.replace(/^\{\n/, `{\n  "${key}": ${value},\n`);

const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

describe('bds.json with a bad value still loads', () => {
  it('an unknown timezone falls back to UTC and is reported with file and line', () => {
    const root = projectWith((t) => t.replace('"timezone": "UTC"', '"timezone": "Mars/Base"'));
    const text = fs.readFileSync(path.join(root, 'bds.json'), 'utf8');
    const project = loadProject(root);
    expect(project.settings.timezone).toBe('UTC');
    expect(project.settings.name).toBe('Blog');
    expect(project.settingsProblems).toEqual([
      {
        code: 'settings-invalid',
        message: expect.stringMatching(
          /"timezone" must be an IANA timezone .*not "Mars\/Base"; bds uses "UTC"/,
        ),
        file: 'bds.json',
        line: lineOf(text, 'Mars/Base'),
        column: 3,
      },
    ]);
  });

  it('each bad key with a default falls back on its own, and the rest is kept', () => {
    const root = projectWith((t) =>
      t
        .replace('"maxPostsPerPage": 50', '"maxPostsPerPage": 0')
        .replace('"mainLanguage": "en"', '"mainLanguage": 5')
        .replace('"theme": "default"', '"theme": 3')
        .replace('"timezone": "UTC"', '"timezone": "Europe/Berlin"'),
    );
    const project = loadProject(root);
    expect(project.settings).toMatchObject({
      maxPostsPerPage: 50,
      mainLanguage: 'en',
      theme: 'default',
      timezone: 'Europe/Berlin',
    });
    const problems = project.settingsProblems;
    expect(problems.map((p) => p.code)).toEqual(['settings-invalid', 'settings-invalid', 'settings-invalid']);
    expect(problems.map((p) => p.message.match(/"(\w+)"/)?.[1]).sort()).toEqual([
      'mainLanguage',
      'maxPostsPerPage',
      'theme',
    ]);
    // Reported in the order of the file.
    expect(problems.map((p) => p.line)).toEqual([...problems.map((p) => p.line)].sort((a, b) => a! - b!));
  });

  it('an optional key with a bad value is left unset and reported', () => {
    const root = projectWith(withKey('publicUrl', '42'));
    const project = loadProject(root);
    expect(project.settings.publicUrl).toBeUndefined();
    expect(project.settingsProblems).toMatchObject([{ code: 'settings-invalid', line: 2 }]);
    expect(project.settingsProblems[0]!.message).toMatch(/leaves it unset/);
  });

  it('a bad name falls back to the folder name; a bad id still stops the project', () => {
    const named = projectWith((t) => t.replace('"name": "Blog"', '"name": ""'));
    const project = loadProject(named);
    expect(project.settings.name).toBe('blog');
    expect(project.settingsProblems).toMatchObject([{ code: 'settings-invalid', file: 'bds.json', line: 3 }]);

    const noId = projectWith((t) => t.replace(/"id": "[^"]+"/, '"id": "../../etc"'));
    const error = (() => {
      try {
        loadProject(noId);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(BdsError);
    expect(error).toMatchObject({ code: 'project-invalid', line: 2, column: 3 });
    expect((error as BdsError).message).toMatch(/"id"/);
  });

  it('a file that is not a JSON object stops the project', () => {
    const root = projectWith(() => '[1, 2]\n');
    expect(() => loadProject(root)).toThrow(/must hold a JSON object/);
  });

  it('unknown keys are kept in settings', () => {
    const root = projectWith(withKey('myWidget', '{ "colour": "teal" }'));
    const project = loadProject(root);
    expect(project.settings.myWidget).toEqual({ colour: 'teal' });
    expect(project.settingsProblems).toEqual([]);
  });
});

describe('machine settings left in bds.json', () => {
  it('a new project’s bds.json holds no machine settings', () => {
    const root = projectWith((t) => t);
    const raw = JSON.parse(fs.readFileSync(path.join(root, 'bds.json'), 'utf8')) as Record<string, unknown>;
    expect(Object.keys(raw).sort()).toEqual([
      'blogmarkCategory',
      'id',
      'mainLanguage',
      'maxPostsPerPage',
      'name',
      'theme',
      'timezone',
    ]);
    const project = loadProject(root);
    expect(project.legacyMachineSettings).toEqual({});
    expect(project.settingsProblems).toEqual([]);
  });

  it('the seed’s "webworker" mode is reported as moved and invalid, with its line, and kept aside', () => {
    const root = projectWith(withKey('pythonRuntimeMode', '"webworker"'));
    const project = loadProject(root);
    expect(project.settingsProblems).toMatchObject([
      { code: 'settings-moved', file: 'bds.json', line: 2, column: 3 },
      { code: 'settings-invalid', file: 'bds.json', line: 2, column: 3 },
    ]);
    expect(project.settingsProblems[1]!.message).toMatch(/"worker" or "main-thread", not "webworker"/);
    expect(project.legacyMachineSettings).toEqual({ pythonRuntimeMode: 'webworker' });
    // No code path can run Python by a value from a project folder.
    expect(project.settings).not.toHaveProperty('pythonRuntimeMode');
  });

  it('valid legacy values are moved, not invalid, and the file keeps them untouched', () => {
    const root = projectWith((t) =>
      withKey(
        'pythonPoolSize',
        '2',
      )(withKey('macroTimeoutMs', '9000')(withKey('pythonRuntimeMode', '"main-thread"')(t))),
    );
    const before = fs.readFileSync(path.join(root, 'bds.json'), 'utf8');
    const project = loadProject(root);
    expect(project.settingsProblems.map((p) => [p.code, p.line])).toEqual([
      ['settings-moved', 2],
      ['settings-moved', 3],
      ['settings-moved', 4],
    ]);
    expect(project.legacyMachineSettings).toEqual({
      pythonRuntimeMode: 'main-thread',
      pythonPoolSize: 2,
      macroTimeoutMs: 9000,
    });
    updateProjectSettings(project, { theme: 'default' });
    expect(fs.readFileSync(path.join(root, 'bds.json'), 'utf8')).toBe(before);
  });
});

describe('updateProjectSettings', () => {
  const expectRejected = (root: string, patch: Record<string, unknown>, code: string, match: RegExp) => {
    const file = path.join(root, 'bds.json');
    const before = fs.readFileSync(file);
    const project = loadProject(root);
    let error: unknown;
    try {
      updateProjectSettings(project, patch);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BdsError);
    expect(error).toMatchObject({ code });
    expect((error as BdsError).message).toMatch(match);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
    expect(fs.readdirSync(root).filter((n) => n.includes('bds-tmp'))).toEqual([]);
  };

  it('rejects a bad timezone, naming the key and what is allowed, and leaves the file byte-identical', () => {
    const root = projectWith((t) => t);
    expectRejected(
      root,
      { timezone: 'Mars/Base' },
      'settings-invalid',
      /"timezone" must be an IANA timezone/,
    );
  });

  it('rejects the whole patch when one value is bad', () => {
    const root = projectWith((t) => t);
    expectRejected(
      root,
      { theme: 'dark', maxPostsPerPage: 501 },
      'settings-invalid',
      /whole number from 1 to 500/,
    );
  });

  it('rejects machine settings, unknown keys and a new id', () => {
    const root = projectWith((t) => t);
    expectRejected(root, { pythonRuntimeMode: 'worker' }, 'settings-moved', /setting of this machine/);
    expectRejected(root, { timezon: 'UTC' }, 'settings-invalid', /not a setting of bds\.json/);
    expectRejected(root, { id: 'another-id' }, 'settings-invalid', /"id" never changes/);
    expectRejected(root, { name: undefined }, 'settings-invalid', /"name" is missing/);
  });

  it('keeps unknown keys and hand edits in the file, and changes only the patched keys', () => {
    const root = projectWith(withKey('myWidget', '{ "colour": "teal" }'));
    const project = loadProject(root);
    // A hand edit after the project was opened is not lost by the update.
    const file = path.join(root, 'bds.json');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('"theme": "default"', '"theme": "paper"'));
    const updated = updateProjectSettings(project, {
      timezone: 'Europe/Berlin',
      publicUrl: 'https://example.org',
    });
    const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    expect(raw).toMatchObject({
      myWidget: { colour: 'teal' },
      theme: 'paper',
      timezone: 'Europe/Berlin',
      publicUrl: 'https://example.org',
    });
    expect(updated.settings).toMatchObject({
      timezone: 'Europe/Berlin',
      theme: 'paper',
      myWidget: { colour: 'teal' },
    });
    expect(loadProject(root).settings).toEqual(updated.settings);
  });

  it('fixing a bad value clears its problem; the settings object sent back as a whole is accepted', () => {
    const root = projectWith((t) => t.replace('"timezone": "UTC"', '"timezone": "Mars/Base"'));
    const project = loadProject(root);
    expect(project.settingsProblems).toHaveLength(1);
    const updated = updateProjectSettings(project, { ...project.settings, timezone: 'Asia/Tokyo' });
    expect(updated.settingsProblems).toEqual([]);
    expect(updated.settings.timezone).toBe('Asia/Tokyo');
  });

  it('undefined unsets a key, which then takes its default', () => {
    const root = projectWith((t) => t.replace('"maxPostsPerPage": 50', '"maxPostsPerPage": 20'));
    const updated = updateProjectSettings(loadProject(root), { maxPostsPerPage: undefined });
    expect(updated.settings.maxPostsPerPage).toBe(50);
    expect(fs.readFileSync(path.join(root, 'bds.json'), 'utf8')).not.toContain('maxPostsPerPage');
  });
});

describe('initProject', () => {
  it('rejects a bad timezone before it creates anything', () => {
    const root = path.join(tempDir(), 'blog');
    expect(() => initProject(root, { timezone: 'Mars/Base' })).toThrow(/"timezone" must be an IANA timezone/);
    expect(fs.existsSync(root)).toBe(false);
  });
});

describe('PROJECT_SETTING_KEYS', () => {
  it('describes every key of bds.json with its default, from the schema', () => {
    const byKey = Object.fromEntries(PROJECT_SETTING_KEYS.map((k) => [k.key, k]));
    expect(Object.keys(byKey)).not.toContain('pythonRuntimeMode');
    expect(byKey.timezone).toMatchObject({ default: 'UTC', required: false });
    expect(byKey.maxPostsPerPage).toMatchObject({ default: 50, required: false });
    expect(byKey.id).toMatchObject({ default: undefined, required: true });
    expect(byKey.publicUrl).toMatchObject({ default: undefined, required: false });
    for (const k of PROJECT_SETTING_KEYS) {
      expect(k.description.length).toBeGreaterThan(10);
      expect(k.schema.safeParse(k.default).success || k.required).toBe(true);
    }
  });
});

describe('locateJsonKey', () => {
  it('finds a top-level key at its opening quote, 1-based', () => {
    expect(locateJsonKey('{"a": 1, "b": 2}', 'b')).toEqual({ line: 1, column: 10 });
    expect(locateJsonKey('{\n  "a": 1,\n\t\t"b"  :  2\n}', 'b')).toEqual({ line: 3, column: 3 });
    expect(locateJsonKey('{"a": 1}', 'missing')).toBeUndefined();
  });

  it('skips the same name in nested objects, arrays and string values', () => {
    const text = [
      '{',
      '  "nested": { "timezone": "x", "deeper": [{ "timezone": 1 }] },',
      '  "list": ["timezone", { "timezone": 2 }],',
      '  "note": "\\"timezone\\": tricked you, {",',
      '  "timezone": "UTC"',
      '}',
    ].join('\n');
    expect(JSON.parse(text)).toMatchObject({ timezone: 'UTC' });
    expect(locateJsonKey(text, 'timezone')).toEqual({ line: 5, column: 3 });
  });

  it('reads escaped keys as JSON.parse does, and ends strings at the right quote', () => {
    expect(locateJsonKey('{"a\\\\": 1, "time\\u007aone": "UTC"}', 'timezone')).toEqual({
      line: 1,
      column: 12,
    });
    expect(locateJsonKey('{"say \\"hi\\"": 1}', 'say "hi"')).toEqual({ line: 1, column: 2 });
  });

  it('takes the last of duplicated keys, as JSON.parse does', () => {
    expect(locateJsonKey('{\n"a": 1,\n"a": 2\n}', 'a')).toEqual({ line: 3, column: 1 });
  });

  it('counts CRLF and CR line ends', () => {
    expect(locateJsonKey('{\r\n  "a": 1,\r\n  "b": 2\r\n}', 'b')).toEqual({ line: 3, column: 3 });
    expect(locateJsonKey('{\r"a": 1,\r"b": 2}', 'b')).toEqual({ line: 3, column: 1 });
  });

  it('finds nothing in a top-level array', () => {
    expect(locateJsonKey('["a", "b"]', 'b')).toBeUndefined();
  });
});
