// The use-case registry as a whole: every use case declared with schemas, errors from the catalogue and
// a route; each reachable from the CLI; bds_api exposing exactly the Python views, macros only reads.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ALL_USE_CASES } from '../../src/app/use-cases.js';
import { pythonApiMethods } from '../../src/app/python-api.js';
import { HOST_METHODS } from '../../src/scripting/api/contract.js';
import { isSerial, pythonViews } from '../../src/app/use-case.js';
import { ERROR_CATALOGUE, HTTP_STATUS } from '../../src/core/errors.js';
import { generateClientRoutes } from '../../src/client/generate-routes.js';

const cliSources = (): string => {
  const dir = path.join('src', 'cli');
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.ts')) files.push(p);
    }
  };
  walk(dir);
  return files.map((f) => fs.readFileSync(f, 'utf8')).join('\n');
};

describe('the use-case registry', () => {
  it('declares every use case once with a stable name, zod schemas, catalogue errors and one route', () => {
    const names = ALL_USE_CASES.map((u) => u.name);
    expect(new Set(names).size).toBe(names.length);
    const routes = new Set<string>();
    for (const uc of ALL_USE_CASES) {
      expect(uc.name).toMatch(/^[a-z]+\.[a-zA-Z]+$/);
      expect(uc.input).toBeInstanceOf(z.ZodType);
      expect(uc.output).toBeInstanceOf(z.ZodType);
      expect(uc.description.length).toBeGreaterThan(10);
      for (const code of uc.errors) expect(Object.keys(ERROR_CATALOGUE)).toContain(code);
      expect(uc.http.path.startsWith('/api/')).toBe(true);
      const route = `${uc.http.method} ${uc.http.path}`;
      expect(routes.has(route), route).toBe(false);
      routes.add(route);
      // Reads are GETs, never the other way round; a read never takes the write lock.
      if (uc.http.method === 'GET') expect(uc.readOnly, uc.name).toBe(true);
      if (uc.readOnly) expect(isSerial(uc)).toBe(false);
    }
  });

  it('maps every catalogue error to an HTTP status', () => {
    for (const code of Object.keys(ERROR_CATALOGUE)) {
      const status = HTTP_STATUS[code as keyof typeof HTTP_STATUS];
      expect(status, code).toBeGreaterThanOrEqual(400);
      expect(status, code).toBeLessThan(600);
    }
  });

  it('reaches every use case from the CLI by name', () => {
    const src = cliSources();
    const missing = ALL_USE_CASES.map((u) => u.name).filter((n) => !src.includes(`'${n}'`));
    expect(missing).toEqual([]);
  });

  it('gives bds_api exactly the Python views, and macros only the read-only use cases', () => {
    // Besides the views, the methods a run answers itself (a capture's toasts).
    const methods = pythonApiMethods().filter((m) => m.useCase);
    const views = ALL_USE_CASES.flatMap((uc) => pythonViews(uc).map((v) => v.method));
    expect(methods.map((m) => `${m.namespace}.${m.name}`).sort()).toEqual([...views].sort());
    expect(new Set(views).size).toBe(views.length);
    for (const m of methods) expect(m.readOnly).toBe(m.useCase?.readOnly);
    const host = pythonApiMethods().filter((m) => !m.useCase);
    expect(host.map((m) => `${m.namespace}.${m.name}`)).toEqual(
      HOST_METHODS.map((m) => `${m.namespace}.${m.name}`),
    );
    const macroMethods = methods.filter((m) => m.readOnly).map((m) => `${m.namespace}.${m.name}`);
    for (const name of ['posts.create', 'posts.update', 'sync.pull', 'site.build', 'templates.save'])
      expect(macroMethods).not.toContain(name);
    for (const name of ['posts.list', 'posts.get', 'media.linkedToPost', 'tags.list', 'templates.get'])
      expect(macroMethods).toContain(name);
  });
});

describe('imports in src/', () => {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.ts')) files.push(p);
    }
  };
  walk('src');
  const importsOf = (file: string): string[] => {
    const text = fs.readFileSync(file, 'utf8');
    const out: string[] = [];
    for (const m of text.matchAll(/^(?:import|export)\s[^;]*?from\s+'(\.[^']+)'/gms)) {
      out.push(path.normalize(path.join(path.dirname(file), m[1]!.replace(/\.js$/, '.ts'))));
    }
    return out;
  };

  it('src/cli imports only src/app, the server and itself', () => {
    for (const f of files.filter((f) => f.startsWith(path.join('src', 'cli') + path.sep))) {
      for (const dep of importsOf(f)) {
        const top = dep.split(path.sep)[1];
        expect(['cli', 'app', 'server'], `${f} imports ${dep}`).toContain(top);
        if (top === 'server') expect(dep, f).toBe(path.join('src', 'server', 'index.ts'));
      }
    }
  });

  it('src/server reaches the application only through src/app (and the site only for its door checks)', () => {
    for (const f of files.filter((f) => f.startsWith(path.join('src', 'server') + path.sep))) {
      for (const dep of importsOf(f)) {
        const top = dep.split(path.sep)[1];
        expect(['server', 'app', 'site', 'core'], `${f} imports ${dep}`).toContain(top);
        if (top === 'app') expect(dep, f).toBe(path.join('src', 'app', 'index.ts'));
        if (top === 'site') expect(dep, f).toBe(path.join('src', 'site', 'index.ts'));
      }
    }
  });

  it('src/client holds no server code: only types from src/app, and its own files', () => {
    for (const f of files.filter((f) => f.startsWith(path.join('src', 'client') + path.sep))) {
      if (f.endsWith('generate-routes.ts')) continue; // the generator runs in Node, at build time
      const text = fs.readFileSync(f, 'utf8');
      for (const m of text.matchAll(/^import\s+(type\s+)?[^;]*?from\s+'([^']+)'/gm)) {
        const spec = m[2]!;
        if (spec.startsWith('./')) continue;
        expect(m[1], `${f}: ${spec} must be a type import`).toBeTruthy();
        expect(spec).toBe('../app/index.js');
      }
    }
  });

  it('src/client/routes.ts is current with the registry', () => {
    expect(fs.readFileSync('src/client/routes.ts', 'utf8')).toBe(generateClientRoutes());
  });

  it('has no import cycle (type imports included)', () => {
    const graph = new Map(files.map((f) => [path.normalize(f), importsOf(f)]));
    const state = new Map<string, 'visiting' | 'done'>();
    const cycles: string[] = [];
    const visit = (f: string, trail: string[]) => {
      if (state.get(f) === 'done') return;
      if (state.get(f) === 'visiting') {
        cycles.push([...trail.slice(trail.indexOf(f)), f].join(' -> '));
        return;
      }
      state.set(f, 'visiting');
      for (const d of graph.get(f) ?? []) visit(d, [...trail, f]);
      state.set(f, 'done');
    };
    for (const f of graph.keys()) visit(f, []);
    expect(cycles).toEqual([]);
  });
});
