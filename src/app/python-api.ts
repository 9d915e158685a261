// bds_api as views of the use cases: the method list the Python module and its docs are generated
// from, and the handler that answers a script's calls by running the same use cases as the CLI and
// the HTTP API. Arguments are checked against the view, then the use case; macros may only read.
import type { z } from 'zod';
import { BdsError, isBdsError } from '../core/errors.js';
import { describeZodError } from '../core/schemas.js';
import { HOST_METHODS, type ApiMethod, type ApiParam } from '../scripting/api/contract.js';
import type { ApiHandler, BlockingApiHost } from '../scripting/runtime/types.js';
import type { ApiCaller } from './services.js';
import { USER_USE_CASES } from './project.js';
import { checkOutput, parseInput, WORKSPACE_USE_CASES } from './use-cases.js';
import { pythonViews, type PythonView, type UseCase } from './use-case.js';
import { generatePythonModule } from '../scripting/api/generate.js';

/** A method answered by a use case (through its Python view), or by the run itself (`HOST_METHODS`). */
export type PythonMethod = ApiMethod &
  ({ useCase: UseCase; view: PythonView } | { useCase?: undefined; view?: undefined });

function isOptional(schema: z.ZodType): boolean {
  return schema.safeParse(undefined).success;
}

function paramsOf(schema: z.ZodType): ApiParam[] {
  const shape = (schema as z.ZodObject).shape as Record<string, z.ZodType> | undefined;
  if (!shape) throw new BdsError('internal', 'A Python view needs an object of parameters');
  return Object.entries(shape).map(([name, s]) => ({
    name,
    schema: s,
    required: !isOptional(s),
    description: s.description ?? '',
  }));
}

function buildMethods(): PythonMethod[] {
  const out: PythonMethod[] = [];
  for (const uc of [...WORKSPACE_USE_CASES, ...USER_USE_CASES] as readonly UseCase[]) {
    for (const view of pythonViews(uc)) {
      const dot = view.method.indexOf('.');
      out.push({
        namespace: view.method.slice(0, dot),
        name: view.method.slice(dot + 1),
        description: view.description ?? uc.description,
        params: paramsOf(view.params ?? uc.input),
        result: view.result ?? uc.output,
        readOnly: uc.readOnly,
        useCase: uc,
        view,
      });
    }
  }
  out.push(...HOST_METHODS);
  // Grouped by namespace in the order each namespace first appears (the module's class order).
  const order = [...new Set(out.map((m) => m.namespace))];
  return out.sort((a, b) => order.indexOf(a.namespace) - order.indexOf(b.namespace));
}

let methods: PythonMethod[] | undefined;

/** Every bds_api method, from the use cases' Python views. */
export function pythonApiMethods(): PythonMethod[] {
  methods ??= buildMethods();
  return methods;
}

export function findPythonMethod(qualified: string): PythonMethod | undefined {
  return pythonApiMethods().find((m) => `${m.namespace}.${m.name}` === qualified);
}

function validateArgs(m: PythonMethod, raw: unknown): Record<string, unknown> {
  const label = `${m.namespace}.${m.name}`;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new BdsError('invalid-argument', `${label}: arguments must be an object`);
  }
  const input = raw as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const p of m.params) {
    const v = input[p.name];
    if (v === undefined || v === null) {
      if (p.required) throw new BdsError('invalid-argument', `${label} requires argument "${p.name}"`);
      continue;
    }
    const r = p.schema.safeParse(v);
    if (!r.success) {
      const { field, message } = describeZodError(r.error);
      throw new BdsError(
        'invalid-argument',
        `${label}: "${[p.name, field].filter(Boolean).join('.')}" ${message}`,
      );
    }
    out[p.name] = r.data;
  }
  for (const k of Object.keys(input)) {
    if (!m.params.some((p) => p.name === k))
      throw new BdsError('invalid-argument', `${label}: unknown argument "${k}"`);
  }
  return out;
}

/**
 * Runs a use case for Python: reads at once, writes under the project's write lock. With `blocking`
 * (Python waits on this thread) the answer must be synchronous.
 */
export type PythonDispatch = (uc: UseCase, input: unknown, blocking?: BlockingApiHost) => unknown;

/**
 * A handler for the `api-call`s of one script run. A Promise where the use case waits (the lock, git,
 * publish), unless the runtime blocks on the call (main-thread mode): then the dispatch answers at once.
 */
export function createApiHandler(dispatch: PythonDispatch, caller: ApiCaller): ApiHandler {
  return (method, args, blocking) => {
    const m = findPythonMethod(method);
    if (!m) throw new BdsError('api-unknown-method', `bds_api has no method "${method}"`);
    if (caller !== 'utility' && !m.readOnly) {
      throw new BdsError('api-read-only', `${method} changes the blog and is read-only in ${caller}s`);
    }
    const { view, useCase: uc } = m;
    if (!uc) {
      throw new BdsError(
        'api-unavailable',
        `bds_api.${method} is answered only in transforms a blogmark capture runs`,
        {
          hint: 'Use print() to tell the user something from this script: its output shows with the run.',
        },
      );
    }
    const answer = (value: unknown): unknown => {
      const output = checkOutput(uc, value);
      const result = view.fromOutput ? (view.fromOutput as (o: unknown) => unknown)(output) : output;
      const checked = m.result.safeParse(result);
      if (!checked.success) {
        const { field, message } = describeZodError(checked.error);
        throw new BdsError('internal', `${method} returned an invalid result: "${field}" ${message}`);
      }
      return result;
    };
    const failed = (e: unknown): unknown => {
      if (view.fromError && isBdsError(e)) return view.fromError(e);
      throw e;
    };
    let value: unknown;
    try {
      const validated = validateArgs(m, args);
      const input = parseInput(uc, view.toInput ? view.toInput(validated) : validated);
      value = dispatch(uc, input, blocking);
    } catch (e) {
      return failed(e);
    }
    if (value instanceof Promise) return value.then(answer, failed);
    return answer(value);
  };
}

let bdsApiModule: string | undefined;

/** The Python source of bds_api, generated once per process from the use cases' Python views. */
export function pythonModule(): string {
  bdsApiModule ??= generatePythonModule(pythonApiMethods());
  return bdsApiModule;
}
