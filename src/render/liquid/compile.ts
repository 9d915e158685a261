// Turns liquidjs's parsed templates into plain closures. liquidjs renders through generators (every value,
// tag and filter is a generator driven by toValueSync), which costs a build of thousands of pages more than
// the rest of the page. The closures do the same steps on the same liquidjs Context, with liquidjs's own
// filters, operators and property reads; a node they do not know (a custom tag, layout, cycle, ranges,
// for-loop modifiers...) is rendered by liquidjs itself, in place, so every template still renders.
import {
  AssignTag,
  CaptureTag,
  Context,
  Drop,
  EchoTag,
  ForTag,
  IfTag,
  IncludeTag,
  Output,
  TokenKind,
  UnlessTag,
  defaultOperators,
  isFalsy,
  isTruthy,
  toValue,
  toValueSync,
  type Liquid,
  type Template,
} from 'liquidjs';

/** Collects a render's output; liquidjs tags rendered in place write to it as to their own emitter. */
export class StringEmitter {
  buffer = '';

  write(html: unknown): void {
    this.buffer += stringify(html);
  }
}

/** Renders into `out` with `ctx`. */
export type CompiledTemplate = (ctx: Context, out: StringEmitter) => void;
type Evaluate = (ctx: Context) => unknown;

// Shapes liquidjs keeps private in its types; the compiler checks them before relying on them, so a
// liquidjs release that changes them makes nodes render through liquidjs instead of failing.
interface TokenShape {
  kind: number;
  getText(): string;
  content?: unknown;
  variable?: unknown;
  props?: TokenShape[];
  operator?: string;
}
interface ExpressionShape {
  postfix: TokenShape[];
}
interface FilterShape {
  handler: (this: unknown, ...args: unknown[]) => unknown;
  args: (TokenShape | [string, TokenShape])[];
  token: unknown;
  liquid: Liquid;
}
interface ValueShape {
  initial: ExpressionShape;
  filters: FilterShape[];
}
interface Branch {
  value: ValueShape;
  templates: Template[];
  test?: (value: unknown, ctx: Context) => boolean;
}
interface ContextInternals {
  findScope(key: string): unknown;
}

const OPERATOR_ARITY: Readonly<Record<string, 1 | 2>> = {
  '==': 2,
  '!=': 2,
  '>': 2,
  '<': 2,
  '>=': 2,
  '<=': 2,
  contains: 2,
  not: 1,
  and: 2,
  or: 2,
};

/** liquidjs's block mode for output (BlockMode.OUTPUT), which an include sets for its partial. */
const BLOCK_MODE_OUTPUT = 0;

function isObject(value: unknown): value is object {
  return value !== null && (typeof value === 'object' || typeof value === 'function');
}

function isIterator(value: unknown): value is Generator<unknown, unknown, unknown> {
  if (!isObject(value)) return false;
  const v = value as Partial<Generator>;
  return typeof v.next === 'function' && typeof v.throw === 'function' && typeof v.return === 'function';
}

/** A value that liquidjs would still have to run (a generator), run to its end. */
function settled(value: unknown): unknown {
  return isIterator(value) ? toValueSync(value) : value;
}

/** As liquidjs writes a value: nil is empty, arrays are joined without separator. */
export function stringify(value: unknown): string {
  const v = toValue(value) as unknown;
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) return v.map(stringify).join('');
  return String(v);
}

/** What a for loop walks over, as liquidjs reads a collection. */
function toEnumerable(value: unknown): unknown[] {
  const v = toValue(value) as unknown;
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') return v.length > 0 ? [v] : [];
  if (isObject(v)) {
    if (Symbol.iterator in v) return Array.from(v as Iterable<unknown>);
    return Object.keys(v).map((k) => [k, (v as Record<string, unknown>)[k]]);
  }
  return [];
}

function createScope(from?: Record<string, unknown>): Record<string, unknown> {
  const scope = Object.create(null) as Record<string, unknown>;
  if (from) Object.assign(scope, from);
  return scope;
}

const isPrimitive = (v: unknown): boolean => !isObject(v);

/** The `forloop` object of a loop, with the fields (in order) and methods of liquidjs's own. */
class ForloopDrop extends Drop {
  i = 0;
  length: number;
  name: string;
  constructor(length: number, collection: string, variable: string) {
    super();
    this.length = length;
    this.name = `${variable}-${collection}`;
  }
  next(): void {
    this.i++;
  }
  index0(): number {
    return this.i;
  }
  index(): number {
    return this.i + 1;
  }
  first(): boolean {
    return this.i === 0;
  }
  last(): boolean {
    return this.i === this.length - 1;
  }
  rindex(): number {
    return this.length - this.i;
  }
  rindex0(): number {
    return this.length - this.i - 1;
  }
  override valueOf(): string {
    return JSON.stringify(this);
  }
}

export class TemplateCompiler {
  private readonly partials = new Map<string, CompiledTemplate>();
  /** Nodes compiled so far that liquidjs renders itself (a theme using only common Liquid has none). */
  inPlaceNodes = 0;

  /** `partial(name)` gives the parsed templates an `{% include name %}` renders. */
  constructor(
    private readonly liquid: Liquid,
    private readonly partial: (name: string) => Template[],
  ) {}

  /** False when the engine's options ask for what the closures do not do (strict variables...). */
  supported(): boolean {
    const o = this.liquid.options;
    return !o.strictVariables && !o.jsTruthy && !o.keepOutputType && !o.catchAllErrors && !o.jekyllInclude;
  }

  compile(templates: readonly Template[]): CompiledTemplate {
    const parts: (string | CompiledTemplate)[] = [];
    for (const tpl of templates) {
      const part = this.node(tpl);
      const last = parts.length - 1;
      if (typeof part === 'string' && typeof parts[last] === 'string') parts[last] += part;
      else parts.push(part);
    }
    if (parts.length === 1 && typeof parts[0] === 'string') {
      const text = parts[0];
      return (_ctx, out) => {
        out.buffer += text;
      };
    }
    return (ctx, out) => {
      for (const part of parts) {
        if (typeof part === 'string') out.buffer += part;
        else {
          part(ctx, out);
          // As liquidjs does after each template: a break or continue ends the enclosing block.
          if (ctx.breakCalled || ctx.continueCalled) return;
        }
      }
    };
  }

  private node(tpl: Template): string | CompiledTemplate {
    const token = tpl.token as unknown as TokenShape;
    if (token.kind === TokenKind.HTML && typeof (tpl as unknown as { str?: unknown }).str === 'string') {
      return (tpl as unknown as { str: string }).str;
    }
    const known = this.known(tpl);
    if (known) return known;
    this.inPlaceNodes++;
    return inPlace(tpl);
  }

  /** A closure for the node kinds the compiler knows, or null to render it through liquidjs. */
  private known(tpl: Template): CompiledTemplate | null {
    if (tpl instanceof Output) return this.output(tpl.value as unknown as ValueShape);
    if (tpl instanceof IfTag) {
      const t = tpl as unknown as { branches: Branch[]; elseTemplates?: Template[] };
      return this.branches(t.branches, t.elseTemplates ?? [], false);
    }
    if (tpl instanceof UnlessTag) {
      const t = tpl as unknown as { branches: Branch[]; elseTemplates: Template[] };
      return this.branches(t.branches, t.elseTemplates, true);
    }
    if (tpl instanceof ForTag) return this.forLoop(tpl);
    if (tpl instanceof IncludeTag) return this.include(tpl);
    if (tpl instanceof AssignTag) {
      const t = tpl as unknown as { key: string; value: ValueShape };
      const value = this.value(t.value);
      if (!value || typeof t.key !== 'string') return null;
      const key = t.key;
      return (ctx) => {
        ctx.bottom()[key] = value(ctx);
      };
    }
    if (tpl instanceof CaptureTag) {
      const t = tpl as unknown as { variable: string; templates: Template[] };
      if (typeof t.variable !== 'string' || !Array.isArray(t.templates)) return null;
      const body = this.compile(t.templates);
      const key = t.variable;
      return (ctx) => {
        const inner = new StringEmitter();
        body(ctx, inner);
        ctx.bottom()[key] = inner.buffer;
      };
    }
    if (tpl instanceof EchoTag && !this.liquid.options.outputEscape) {
      const t = tpl as unknown as { value?: ValueShape };
      if (!t.value) return () => {};
      return this.output(t.value);
    }
    return null;
  }

  private output(valueShape: ValueShape): CompiledTemplate | null {
    const value = this.value(valueShape);
    if (!value) return null;
    return (ctx, out) => {
      const v = toValue(value(ctx)) as unknown;
      out.buffer += typeof v === 'string' ? v : stringify(v);
    };
  }

  private branches(branches: Branch[], otherwise: Template[], unless: boolean): CompiledTemplate | null {
    if (!Array.isArray(branches) || !Array.isArray(otherwise)) return null;
    const compiled: {
      test: Evaluate;
      when: (v: unknown, ctx: Context) => boolean;
      body: CompiledTemplate;
    }[] = [];
    for (const [i, b] of branches.entries()) {
      const test = this.value(b.value);
      if (!test || !Array.isArray(b.templates)) return null;
      // unless: the first branch renders when its value is falsy, the elsif branches when truthy.
      const when = typeof b.test === 'function' ? b.test : unless && i === 0 ? isFalsy : isTruthy;
      compiled.push({ test, when, body: this.compile(b.templates) });
    }
    const elseBody = this.compile(otherwise);
    return (ctx, out) => {
      for (const b of compiled) {
        if (b.when(toValue(b.test(ctx)), ctx)) {
          b.body(ctx, out);
          return;
        }
      }
      elseBody(ctx, out);
    };
  }

  private forLoop(tpl: ForTag): CompiledTemplate | null {
    const t = tpl as unknown as {
      variable: string;
      collection: TokenShape;
      hash: { hash: Record<string, unknown> };
      templates: Template[];
      elseTemplates: Template[];
    };
    // offset, limit and reversed (and `offset: continue`) are left to liquidjs.
    if (!t.hash || Object.keys(t.hash.hash).length > 0) return null;
    const collection = this.token(t.collection);
    if (!collection || typeof t.variable !== 'string') return null;
    const body = this.compile(t.templates);
    const elseBody = this.compile(t.elseTemplates);
    const variable = t.variable;
    const collectionText = t.collection.getText();
    const continueKey = `continue-${variable}-${collectionText}`;
    return (ctx, out) => {
      const items = toEnumerable(collection(ctx));
      if (items.length === 0) {
        elseBody(ctx, out);
        return;
      }
      ctx.setRegister(continueKey, items.length);
      const forloop = new ForloopDrop(items.length, collectionText, variable);
      const scope = createScope({ forloop });
      ctx.push(scope);
      for (const item of items) {
        scope[variable] = item;
        ctx.continueCalled = ctx.breakCalled = false;
        body(ctx, out);
        if (ctx.breakCalled) break;
        forloop.next();
      }
      ctx.continueCalled = ctx.breakCalled = false;
      ctx.pop();
    };
  }

  private include(tpl: IncludeTag): CompiledTemplate | null {
    const t = tpl as unknown as { file: unknown; withVar?: unknown; hash: { hash: Record<string, unknown> } };
    if (typeof t.file !== 'string' || t.withVar !== undefined || !t.hash) return null;
    const args: [string, Evaluate | null][] = [];
    for (const [key, token] of Object.entries(t.hash.hash)) {
      if (token === undefined) args.push([key, null]);
      else {
        const value = this.token(token as TokenShape);
        if (!value) return null;
        args.push([key, value]);
      }
    }
    const name = t.file;
    let partial: CompiledTemplate | undefined;
    return (ctx, out) => {
      // Compiled on first use, so a partial that includes itself compiles once.
      partial ??= this.partialOf(name);
      const saved = ctx.saveRegister('blocks', 'blockMode');
      ctx.setRegister('blocks', {});
      ctx.setRegister('blockMode', BLOCK_MODE_OUTPUT);
      const scope = createScope();
      for (const [key, value] of args) scope[key] = value ? value(ctx) : true;
      ctx.push(scope);
      partial(ctx, out);
      ctx.pop();
      ctx.restoreRegister(saved);
    };
  }

  private partialOf(name: string): CompiledTemplate {
    let compiled = this.partials.get(name);
    if (!compiled) {
      compiled = this.compile(this.partial(name));
      this.partials.set(name, compiled);
    }
    return compiled;
  }

  /** A value with its filters, or null when a part of it is not compiled. */
  private value(shape: ValueShape | undefined): Evaluate | null {
    if (!shape || !Array.isArray(shape.filters)) return null;
    const initial = this.expression(shape.initial);
    if (!initial) return null;
    let result: Evaluate = initial;
    for (const filter of shape.filters) {
      if (typeof filter.handler !== 'function' || !Array.isArray(filter.args)) return null;
      const args: (Evaluate | [string, Evaluate])[] = [];
      for (const arg of filter.args) {
        if (Array.isArray(arg)) {
          const value = this.token(arg[1]);
          if (!value) return null;
          args.push([arg[0], value]);
        } else {
          const value = this.token(arg);
          if (!value) return null;
          args.push(value);
        }
      }
      const input = result;
      const { handler, token, liquid } = filter;
      result = (ctx) => {
        const argv: unknown[] = [input(ctx)];
        for (const a of args) argv.push(Array.isArray(a) ? [a[0], a[1](ctx)] : a(ctx));
        return settled(handler.apply({ context: ctx, token, liquid }, argv));
      };
    }
    return result;
  }

  private expression(expression: ExpressionShape | undefined): Evaluate | null {
    if (!expression || !Array.isArray(expression.postfix)) return null;
    const stack: Evaluate[] = [];
    for (const token of expression.postfix) {
      if (token.kind === TokenKind.Operator) {
        const op = this.operator(token.operator ?? '', stack);
        if (!op) return null;
        stack.push(op);
      } else {
        const value = this.token(token);
        if (!value) return null;
        stack.push(value);
      }
    }
    if (stack.length === 0) return () => undefined;
    return stack.length === 1 ? stack[0]! : null;
  }

  private operator(name: string, stack: Evaluate[]): Evaluate | null {
    const arity = OPERATOR_ARITY[name];
    const impl = (this.liquid.options.operators as Record<string, unknown>)[name];
    if (!arity || typeof impl !== 'function' || stack.length < arity) return null;
    const isDefault = impl === (defaultOperators as Record<string, unknown>)[name];
    const call = impl as (...args: unknown[]) => unknown;
    if (arity === 1) {
      const operand = stack.pop()!;
      if (isDefault && name === 'not') return (ctx) => isFalsy(toValue(operand(ctx)), ctx);
      return (ctx) => settled(call(operand(ctx), ctx));
    }
    const right = stack.pop()!;
    const left = stack.pop()!;
    const generic = (l: unknown, r: unknown, ctx: Context) => settled(call(l, r, ctx));
    if (!isDefault) return (ctx) => generic(left(ctx), right(ctx), ctx);
    // Both sides are always evaluated, as in liquidjs; values that are not objects compare natively.
    switch (name) {
      case 'and':
        return (ctx) => {
          const l = left(ctx);
          const r = right(ctx);
          return isTruthy(toValue(l), ctx) && isTruthy(toValue(r), ctx);
        };
      case 'or':
        return (ctx) => {
          const l = left(ctx);
          const r = right(ctx);
          return isTruthy(toValue(l), ctx) || isTruthy(toValue(r), ctx);
        };
      case '==':
      case '!=': {
        const negate = name === '!=';
        return (ctx) => {
          const l = left(ctx);
          const r = right(ctx);
          if (isPrimitive(l) && isPrimitive(r)) return (l === r) !== negate;
          return generic(l, r, ctx);
        };
      }
      case '>':
      case '<':
      case '>=':
      case '<=': {
        const compare = COMPARE[name]!;
        return (ctx) => {
          const l = left(ctx);
          const r = right(ctx);
          if (isPrimitive(l) && isPrimitive(r)) return compare(l, r);
          return generic(l, r, ctx);
        };
      }
      default:
        return (ctx) => generic(left(ctx), right(ctx), ctx);
    }
  }

  /** A literal or a variable path with literal keys (`a.b[0]["c"]`); anything else is null. */
  private token(token: TokenShape | undefined): Evaluate | null {
    if (!isObject(token)) return null;
    if ('content' in token) {
      const content = token.content;
      return () => content;
    }
    if (token.kind !== TokenKind.PropertyAccess || token.variable || !Array.isArray(token.props)) return null;
    const keys: (string | number)[] = [];
    for (const prop of token.props) {
      if (!isObject(prop) || !('content' in prop)) return null;
      const key = prop.content;
      if (typeof key !== 'string' && typeof key !== 'number') return null;
      keys.push(key);
    }
    const first = keys[0];
    if (typeof first !== 'string') return null;
    return (ctx) => {
      let value = (ctx as unknown as ContextInternals).findScope(first);
      for (const key of keys) value = settled(ctx.readProperty(value as never, key));
      return value;
    };
  }
}

type Compare = (l: unknown, r: unknown) => boolean;
const COMPARE: Readonly<Record<string, Compare>> = {
  '>': (l, r) => (l as number) > (r as number),
  '<': (l, r) => (l as number) < (r as number),
  '>=': (l, r) => (l as number) >= (r as number),
  '<=': (l, r) => (l as number) <= (r as number),
};

/** A node liquidjs renders itself, into the same context and output. */
function inPlace(tpl: Template): CompiledTemplate {
  return (ctx, out) => {
    const html = settled(tpl.render(ctx, out as never));
    if (html) out.write(html);
  };
}

/** A context like the one liquidjs's renderSync makes for `scope`. */
export function renderContext(liquid: Liquid, scope: object): Context {
  return new Context(scope, liquid.options, { sync: true }, { liquid });
}
