// Generates the `bds_api` Python module and the Markdown API reference from a list of API methods
// (the app layer derives them from its use cases).
import type { z } from 'zod';
import { API_VERSION, type ApiMethod } from './contract.js';

const PY_KEYWORDS = new Set(
  (
    'False None True and as assert async await break class continue def del elif else except finally for from ' +
    'global if import in is lambda nonlocal not or pass raise return try while with yield match case type'
  ).split(' '),
);

/** camelCase → snake_case, other characters → _, a Python keyword gets a trailing _. */
export function pythonName(name: string): string {
  let s = name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9_]/g, '_')
    .replace(/^_+|_+$/g, '')
    .toLowerCase();
  if (!s) s = '_';
  if (/^[0-9]/.test(s)) s = `_${s}`;
  if (PY_KEYWORDS.has(s)) s = `${s}_`;
  return s;
}

function className(ns: string): string {
  return `${ns.charAt(0).toUpperCase()}${ns.slice(1)}Api`;
}

/** A short type for docs and docstrings. */
export function typeLabel(schema: z.ZodType): string {
  const def = (
    schema as {
      def?: {
        type?: string;
        element?: z.ZodType;
        innerType?: z.ZodType;
        options?: z.ZodType[];
        entries?: Record<string, string>;
      };
    }
  ).def;
  switch (def?.type) {
    case 'string':
      return 'str';
    case 'number':
      return 'int | float';
    case 'boolean':
      return 'bool';
    case 'null':
      return 'None';
    case 'array':
      return `list[${def.element ? typeLabel(def.element) : 'any'}]`;
    case 'object':
      return 'dict';
    case 'enum':
      return Object.keys(def.entries ?? {})
        .map((v) => JSON.stringify(v))
        .join(' | ');
    case 'optional':
    case 'nullable':
      return def.innerType ? typeLabel(def.innerType) : 'any';
    default:
      return 'any';
  }
}

function pyMethod(m: ApiMethod): string {
  const required = m.params.filter((p) => p.required);
  const optional = m.params.filter((p) => !p.required);
  const sig = [
    'self',
    ...required.map((p) => pythonName(p.name)),
    ...optional.map((p) => `${pythonName(p.name)}=None`),
  ];
  const doc = [
    m.description,
    ...(m.params.length
      ? [
          '',
          ...m.params.map(
            (p) =>
              `${pythonName(p.name)} (${typeLabel(p.schema)}${p.required ? '' : ', optional'}): ${p.description}`,
          ),
        ]
      : []),
    '',
    `Returns ${typeLabel(m.result)}.${m.readOnly ? '' : ' Not available in macros.'}`,
  ];
  const args = m.params.map((p) => `${JSON.stringify(p.name)}: ${pythonName(p.name)}`).join(', ');
  return [
    `    def ${pythonName(m.name)}(${sig.join(', ')}):`,
    `        """${doc.join('\n        ').replace(/"""/g, "'''")}"""`,
    `        return _call(${JSON.stringify(`${m.namespace}.${m.name}`)}, {${args}})`,
    ...(pythonName(m.name) !== m.name ? [``, `    ${m.name} = ${pythonName(m.name)}`] : []),
  ].join('\n');
}

/** Namespaces in the order their first method appears. */
function namespaces(methods: readonly ApiMethod[]): string[] {
  return [...new Set(methods.map((m) => m.namespace))];
}

/**
 * The Python module. It sits on `_bds_host`, the transport every runtime installs: `call(method,
 * args)` answers synchronously or raises `_bds_host.BdsApiError(code, message)`.
 */
export function generatePythonModule(methods: readonly ApiMethod[]): string {
  const parts: string[] = [
    `"""bds_api ${API_VERSION}: the Python API of bds, generated from its contract. Do not edit.`,
    '',
    'Calls are synchronous and return plain dicts and lists. Errors raise bds_api.ApiError.',
    'Use `import bds_api` or `from bds_api import bds`.',
    '"""',
    'import _bds_host as _host',
    '',
    `__version__ = ${JSON.stringify(API_VERSION)}`,
    '',
    '# A failed call: `code` is a stable error code, `message` says what happened.',
    'ApiError = _host.BdsApiError',
    'BdsApiError = ApiError',
    '',
    '',
    'def _call(method, args):',
    '    return _host.call(method, {k: v for k, v in args.items() if v is not None})',
  ];
  for (const ns of namespaces(methods)) {
    parts.push('', '', `class ${className(ns)}:`, `    """bds_api.${ns}"""`);
    for (const m of methods.filter((x) => x.namespace === ns)) parts.push('', pyMethod(m));
  }
  parts.push(
    '',
    '',
    'class BdsApi:',
    '    """All namespaces of the bds API."""',
    '',
    '    def __init__(self):',
  );
  for (const ns of namespaces(methods)) parts.push(`        self.${pythonName(ns)} = ${className(ns)}()`);
  parts.push('', '', 'bds = BdsApi()');
  for (const ns of namespaces(methods)) parts.push(`${pythonName(ns)} = bds.${pythonName(ns)}`);
  for (const m of methods.filter((x) => x.topLevel)) {
    parts.push(`${pythonName(m.name)} = bds.${pythonName(m.namespace)}.${pythonName(m.name)}`);
  }
  parts.push('');
  return parts.join('\n');
}

/** docs/python-api.md */
/** One method of the Python API as a person reads it (the docs, the app's reference panel). */
export interface ApiReferenceEntry {
  namespace: string;
  /** snake_case, as Python calls it. */
  name: string;
  /** The camelCase alias, when it differs. */
  alias?: string;
  params: { name: string; type: string; required: boolean; description: string }[];
  returns: string;
  readOnly: boolean;
  description: string;
}

export function apiReference(methods: readonly ApiMethod[]): ApiReferenceEntry[] {
  return methods.map((m) => ({
    namespace: m.namespace,
    name: pythonName(m.name),
    ...(pythonName(m.name) === m.name ? {} : { alias: m.name }),
    params: m.params.map((p) => ({
      name: pythonName(p.name),
      type: typeLabel(p.schema),
      required: p.required,
      description: p.description,
    })),
    returns: typeLabel(m.result),
    readOnly: m.readOnly,
    description: m.description,
  }));
}

export function generateApiDocs(methods: readonly ApiMethod[]): string {
  const out: string[] = [
    '# The bds Python API (`bds_api`)',
    '',
    `Version ${API_VERSION}. Generated from the use cases of \`src/app\` (their Python views) by \`npm run gen:api-docs\`; do not edit by hand.`,
    '',
    'Scripts use it as `import bds_api` (then `bds_api.posts.list()`) or `from bds_api import bds`.',
    'Calls are synchronous and return plain dicts and lists. Method names are snake_case, with the',
    'camelCase names as aliases (`bds_api.posts.get_by_slug` = `bds_api.posts.getBySlug`); a Python',
    'keyword gets a trailing underscore. A failed call raises `bds_api.ApiError` with `code` and `message`.',
    '',
    'Utility scripts may call every method. Macros may call only the read-only ones (marked ✓):',
    'rendering never changes the blog, and a write from a macro raises `ApiError` with code `read-only`.',
    '',
  ];
  const entries = apiReference(methods);
  for (const ns of namespaces(methods)) {
    out.push(`## \`${ns}\``, '', '| method | arguments | returns | read-only | |', '|---|---|---|---|---|');
    for (const m of entries.filter((x) => x.namespace === ns)) {
      const args = m.params
        .map((p) => `\`${p.name}${p.required ? '' : '=None'}\` (${p.type.replace(/\|/g, '\\|')})`)
        .join(', ');
      out.push(
        `| \`${m.name}\`${m.alias ? ` (\`${m.alias}\`)` : ''} | ${args || '–'} | ${m.returns.replace(/\|/g, '\\|')} | ${m.readOnly ? '✓' : ''} | ${m.description} |`,
      );
    }
    out.push('');
  }
  return out.join('\n');
}
