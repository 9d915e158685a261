// A stand-in for the Python runtime in render tests: scripts are JS functions keyed by slug. The real
// runtime is tested in test/scripting; here we test what the render layer does with its answers.
import type { PythonMacroCall, PythonMacroOutcome, PythonMacroResolver } from '../../src/render/index.js';

export type FakeScript = (call: PythonMacroCall) => PythonMacroOutcome | Promise<PythonMacroOutcome>;

export class FakePythonResolver implements PythonMacroResolver {
  lookups = 0;
  readonly calls: PythonMacroCall[] = [];

  constructor(
    private readonly scripts: Record<string, FakeScript>,
    private readonly lookupError?: Error,
  ) {}

  macroSlugs(): ReadonlySet<string> {
    this.lookups++;
    if (this.lookupError) throw this.lookupError;
    return new Set(Object.keys(this.scripts));
  }

  async render(call: PythonMacroCall): Promise<PythonMacroOutcome> {
    this.calls.push(call);
    const script = this.scripts[call.slug];
    if (!script) throw new Error(`no script ${call.slug}`);
    return script(call);
  }
}

/** `[[greet name=...]]` → `<span class="greet">Hello NAME</span>`, like a small Python macro. */
export const greet: FakeScript = (call) => ({
  ok: true,
  html: `<span class="greet">Hello ${String(call.context.params.name ?? 'you')}</span>`,
});
