// LiquidTheme: one set of templates (built-in theme + the user's overrides), each parsed once and rendered
// synchronously (several times faster than liquidjs's async path). Errors name the template file and line.
import { createHash } from 'node:crypto';
import { Liquid, type FS, type Template } from 'liquidjs';
import { BdsError } from '../../core/errors.js';
import type { TemplateSource } from '../theme/index.js';
import { renderContext, StringEmitter, TemplateCompiler, type CompiledTemplate } from './compile.js';

/** The scope a template is rendered with: plain data (no functions are called from templates). */
export type TemplateScope = Record<string, unknown>;

interface LiquidErrorLike extends Error {
  token?: { file?: string; getPosition?: () => number[] };
  originalError?: unknown;
}

/** A file system for liquidjs over the template map: `{% include 'head' %}` finds the template `head`. */
function templateFs(sources: ReadonlyMap<string, TemplateSource>): FS {
  return {
    exists: async (file) => sources.has(file),
    existsSync: (file) => sources.has(file),
    readFile: async (file) => readSource(sources, file),
    readFileSync: (file) => readSource(sources, file),
    resolve: (_dir, file) => templateName(file),
    sep: '/',
    dirname: () => '.',
  };
}

function readSource(sources: ReadonlyMap<string, TemplateSource>, name: string): string {
  const s = sources.get(name);
  if (!s) throw new BdsError('template-error', `No template named "${name}"`);
  return s.source;
}

/** The liquidjs engine bds renders templates with, reading `{% include %}`s from `sources`. */
export function createLiquid(sources: ReadonlyMap<string, TemplateSource>): Liquid {
  return new Liquid({
    fs: templateFs(sources),
    root: ['.'],
    partials: ['.'],
    layouts: ['.'],
    extname: '',
    cache: true,
    strictVariables: false,
    strictFilters: true,
    ownPropertyOnly: true,
    relativeReference: false,
  });
}

/** The template name an `{% include %}` file path stands for. */
export function templateName(file: string): string {
  return file.replace(/^(\.\/)+/, '').replace(/\.liquid$/, '');
}

export class LiquidTheme {
  /** sha256 over every template's name and text: changes when any template changes. */
  readonly hash: string;
  private readonly liquid: Liquid;
  private readonly parsed = new Map<string, Template[]>();
  private readonly compiler: TemplateCompiler | null;
  private readonly compiled = new Map<string, CompiledTemplate>();

  /**
   * `compiled: false` renders every template through liquidjs alone (the compiled closures are the
   * default; tests compare the two).
   */
  constructor(
    private readonly sources: ReadonlyMap<string, TemplateSource>,
    options: { compiled?: boolean } = {},
  ) {
    const h = createHash('sha256');
    for (const name of [...sources.keys()].sort()) h.update(`${name}\0${sources.get(name)!.source}\0`);
    this.hash = h.digest('hex');
    this.liquid = createLiquid(sources);
    const compiler = new TemplateCompiler(this.liquid, (file) => this.templates(templateName(file)));
    this.compiler = options.compiled !== false && compiler.supported() ? compiler : null;
  }

  /** The templates this theme was made from (another thread can make the same theme from them). */
  templateSources(): ReadonlyMap<string, TemplateSource> {
    return this.sources;
  }

  has(name: string): boolean {
    return this.sources.has(name);
  }

  /** The file a template comes from, for messages. */
  fileOf(name: string): string | undefined {
    return this.sources.get(name)?.file;
  }

  /** The first name in `names` that is a template, else `fallback`. */
  firstExisting(names: readonly string[], fallback: string): string {
    for (const n of names) if (this.sources.has(n)) return n;
    return fallback;
  }

  /** Parses one template now: throws `template-error` with its file, line and column. */
  parse(name: string): void {
    this.templates(name);
  }

  /** Parses every template now, so a syntax error stops a build before any page is written. */
  parseAll(): void {
    for (const name of this.sources.keys()) this.templates(name);
  }

  render(name: string, scope: TemplateScope): string {
    const templates = this.templates(name);
    if (this.compiler) {
      let compiled = this.compiled.get(name);
      if (!compiled) {
        compiled = this.compiler.compile(templates);
        this.compiled.set(name, compiled);
      }
      try {
        const out = new StringEmitter();
        compiled(renderContext(this.liquid, scope), out);
        return out.buffer;
      } catch {
        // liquidjs renders it again below, to report the error with its template, line and column.
      }
    }
    try {
      return this.liquid.renderSync(templates, scope);
    } catch (e) {
      throw this.templateError(e, name, 'could not be rendered');
    }
  }

  private templates(name: string): Template[] {
    const cached = this.parsed.get(name);
    if (cached) return cached;
    const source = this.sources.get(name);
    if (!source) throw new BdsError('template-error', `No template named "${name}"`);
    try {
      const parsed = this.liquid.parse(source.source, name);
      this.parsed.set(name, parsed);
      return parsed;
    } catch (e) {
      throw this.templateError(e, name, 'has a syntax error');
    }
  }

  /** The innermost liquidjs error names the template and position where it happened. */
  private templateError(e: unknown, name: string, what: string): BdsError {
    let inner: unknown = e;
    while (
      inner instanceof Error &&
      (inner as LiquidErrorLike).originalError instanceof Error &&
      (inner as LiquidErrorLike).originalError !== inner
    ) {
      const next = (inner as LiquidErrorLike).originalError as LiquidErrorLike;
      if (!next.token) break;
      inner = next;
    }
    const err = inner as LiquidErrorLike;
    const at = err.token?.file && this.sources.has(err.token.file) ? err.token.file : name;
    const source = this.sources.get(at);
    const pos = err.token?.getPosition?.();
    const line = pos ? pos[0]! + (source?.lineOffset ?? 0) : undefined;
    const column = pos ? pos[1] : undefined;
    const file = source?.file ?? at;
    // liquidjs appends ", line:1, col:2" and the offending lines; keep the first sentence.
    const detail = (err.message ?? String(e))
      .split('\n')[0]!
      .replace(/, (file:\S+, )?line:\d+, col:\d+$/, '');
    return new BdsError(
      'template-error',
      `Template "${at}" ${what}: ${detail}`,
      line === undefined ? { file, cause: e } : { file, line, column, cause: e },
    );
  }
}
