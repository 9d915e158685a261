// `bds script ...`: create, list, enable, trust and rebuild Python scripts.
import { InvalidArgumentError, Option, type Command } from 'commander';
import { formatProblem, lineDiff, type OutputOf } from '../../app/index.js';
import { table } from '../output.js';
import type { CliContext } from '../context.js';
import { readInputFile } from '../input-file.js';

type ScriptOut = OutputOf<'scripts.list'>[number] & { code?: string };

function scriptJson(s: ScriptOut, withCode = false): Record<string, unknown> {
  const { code, ...rest } = s;
  return withCode ? { ...rest, code } : rest;
}

function collectArg(value: string, previous: Record<string, unknown>): Record<string, unknown> {
  const eq = value.indexOf('=');
  if (eq < 1) throw new InvalidArgumentError(`--arg takes key=value, not "${value}"`);
  const raw = value.slice(eq + 1);
  let parsed: unknown = raw;
  try {
    parsed = JSON.parse(raw);
  } catch {
    // not JSON: keep the text
  }
  return { ...previous, [value.slice(0, eq)]: parsed };
}

/** The code of `--file`, read from the caller's folder; a file that cannot be read names itself. */
function readCodeFile(ctx: CliContext, file: string | undefined): string | undefined {
  return file === undefined ? undefined : readInputFile(ctx.io, file, `--file ${file}`);
}

export function scriptCommands(program: Command, ctx: CliContext): void {
  const script = program.command('script').description('Python scripts: macros, transforms and utilities');

  script
    .command('new <name>')
    .description('create a script (the name becomes its macro name: lower case, digits and _)')
    .addOption(
      new Option('--kind <kind>', 'what the script is for')
        .choices(['macro', 'transform', 'utility'])
        .makeOptionMandatory(),
    )
    .option('--file <file>', 'take the code from a Python file')
    .option('--title <title>', 'display title (default: the name)')
    .option('--entrypoint <fn>', 'function to call (default: render, transform or main by kind)')
    .option('--order <n>', 'run order of a transform (lower first)', (v) => Number.parseInt(v, 10))
    .option('--disabled', 'create it disabled')
    .action(
      async (
        name: string,
        opts: {
          kind: 'macro' | 'transform' | 'utility';
          file?: string;
          title?: string;
          entrypoint?: string;
          order?: number;
          disabled?: boolean;
        },
      ) =>
        (async () => {
          const code = readCodeFile(ctx, opts.file);
          const s = await ctx.call('scripts.create', {
            title: opts.title ?? name,
            slug: name,
            kind: opts.kind,
            code,
            entrypoint: opts.entrypoint,
            order: opts.order,
            enabled: !opts.disabled,
          });
          ctx.emit(
            scriptJson(s),
            () =>
              `Created ${s.kind} script ${s.slug} (${s.path})${s.kind === 'macro' ? `; use it as [[${s.slug}]]` : ''}`,
          );
        })(),
    );

  script
    .command('edit <name>')
    .description(
      'change a script: its code from a file, title, entrypoint or run order (the version goes up)',
    )
    .option('--file <file>', 'the new code, from a Python file')
    .option('--title <title>', 'display title')
    .option('--entrypoint <fn>', 'function to call')
    .option('--order <n>', 'run order of a transform (lower first)', (v) => Number.parseInt(v, 10))
    .action(
      async (name: string, opts: { file?: string; title?: string; entrypoint?: string; order?: number }) => {
        const code = readCodeFile(ctx, opts.file);
        const s = await ctx.call('scripts.update', {
          ref: name,
          code,
          title: opts.title,
          entrypoint: opts.entrypoint,
          order: opts.order,
        });
        ctx.emit(scriptJson(s), () => `Saved ${s.slug} (v${s.version})`);
      },
    );

  script
    .command('list')
    .description('scripts with kind, state and trust')
    .action(async () =>
      ctx.call('scripts.list', {}).then((list) => {
        ctx.emit(
          list.map((s) => scriptJson(s)),
          () =>
            list.length === 0
              ? 'No scripts.'
              : table(
                  list.map((s) => [
                    s.slug,
                    s.kind,
                    s.enabled ? 'enabled' : 'disabled',
                    s.trusted ? 'trusted' : 'UNTRUSTED',
                    `v${s.version}`,
                    s.title,
                  ]),
                ),
        );
      }),
    );

  script
    .command('show <name>')
    .description('a script with its code')
    .action(async (name: string) =>
      ctx.call('scripts.get', { ref: name }).then((s) => {
        ctx.emit(scriptJson(s, true), () =>
          [
            `${s.title} (${s.slug}, ${s.kind}, ${s.enabled ? 'enabled' : 'disabled'}, ${s.trusted ? 'trusted' : 'untrusted'}, v${s.version})`,
            `  file: ${s.path}   entrypoint: ${s.entrypoint}`,
            ...s.notices.map((n) => `  note: ${n.field} ${n.message}`),
            '',
            s.code,
          ].join('\n'),
        );
      }),
    );

  for (const [cmd, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    script
      .command(`${cmd} <name>`)
      .description(`${cmd} a script`)
      .action(async (name: string) =>
        ctx.call('scripts.setEnabled', { ref: name, enabled }).then((s) => {
          ctx.emit(scriptJson(s), () => `${s.slug} is ${s.enabled ? 'enabled' : 'disabled'}`);
        }),
      );
  }

  script
    .command('trust <name>')
    .description('allow a script that came from outside bds (git pull, external edit) to run')
    .action(async (name: string) =>
      ctx.call('scripts.trust', { ref: name }).then((s) => {
        ctx.emit(scriptJson(s), () => `Trusted ${s.slug} (content ${s.hash.slice(0, 12)})`);
      }),
    );

  script
    .command('diff <name>')
    .description('what changed in a script since you last trusted it (review it before `bds script trust`)')
    .action(async (name: string) =>
      ctx.call('scripts.trustDiff', { ref: name }).then((d) => {
        ctx.emit(d, () => {
          if (d.lastTrusted === null) {
            return `${d.path}: bds has no version of it that you trusted before; read all of it:\n\n${d.current}`;
          }
          if (d.lastTrusted === d.current) return `${d.path}: unchanged since you last trusted it`;
          const lines = lineDiff(d.lastTrusted, d.current).map((l) => `${l.op}${l.text}`);
          return [`--- ${d.path} (last trusted)`, `+++ ${d.path} (now)`, ...lines].join('\n');
        });
      }),
    );

  script
    .command('rename <name> <newName>')
    .description("change a script's macro name (moves the file)")
    .action(async (name: string, newName: string) =>
      ctx.call('scripts.rename', { ref: name, newSlug: newName }).then((r) => {
        ctx.emit({ script: scriptJson(r.script), stillUsedBy: r.stillUsedBy }, () =>
          [
            `Renamed ${name} to ${r.script.slug}`,
            ...(r.stillUsedBy.length
              ? [`These posts still use [[${name}]]: ${r.stillUsedBy.join(', ')}`]
              : []),
          ].join('\n'),
        );
      }),
    );

  script
    .command('delete <name>')
    .description('delete a script and its file')
    .action(async (name: string) =>
      ctx.call('scripts.delete', { ref: name }).then((r) => {
        ctx.emit(r, () => `Deleted ${r.slug}`);
      }),
    );

  script
    .command('check <name>')
    .description("check a script's syntax with Python's own parser, and its entrypoint")
    .action(async (name: string) =>
      ctx.call('scripts.check', { ref: name }).then(({ path: file, slug, ...r }) => {
        ctx.emit(r, () =>
          [
            ...r.errors.map((e) => `${file}:${e.line}:${e.column}: ${e.message}`),
            ...r.warnings.map((w) => `warning: ${w}`),
            r.errors.length === 0
              ? `${slug}: syntax ok; functions: ${r.functions.map((f) => `${f.isAsync ? 'async ' : ''}${f.name}(${f.params.join(', ')})`).join(', ') || 'none'}`
              : '',
          ]
            .filter(Boolean)
            .join('\n'),
        );
        if (r.errors.length > 0) ctx.setExitCode(1);
      }),
    );

  script
    .command('run <name>')
    .description("run a utility script's main(context); --arg values reach it as context['params']")
    .option(
      '--arg <key=value>',
      'a parameter (repeatable); values that parse as JSON are typed',
      collectArg,
      {},
    )
    .action(async (name: string, opts: { arg: Record<string, unknown> }) =>
      (async () => {
        const live = !ctx.json();
        const r = await ctx.call(
          'scripts.run',
          { ref: name, params: opts.arg },
          {
            onOutput: (stream, text) => {
              if (live) (stream === 'stdout' ? process.stdout : process.stderr).write(text);
            },
          },
        );
        ctx.emit(r, () => {
          if (r.status === 'ok')
            return `result: ${JSON.stringify(r.value)}  (${Math.round(r.durationMs)} ms)`;
          return '';
        });
        if (r.status !== 'ok') {
          ctx.io.err(`error: ${r.error?.message ?? r.status}`);
          ctx.setExitCode(1);
        }
      })(),
    );

  script
    .command('runs <name>')
    .description('the last runs of a script: time, duration, status, output')
    .action(async (name: string) =>
      ctx.call('scripts.runs', { ref: name }).then((runs) => {
        ctx.emit(runs, () =>
          runs.length === 0
            ? 'No runs yet.'
            : table(
                runs.map((r) => [
                  r.startedAt,
                  r.status,
                  `${Math.round(r.durationMs)} ms`,
                  r.output.split('\n')[0] ?? '',
                ]),
              ),
        );
      }),
    );

  script
    .command('rebuild')
    .description('recreate the script index from scripts/*.py')
    .action(async () =>
      ctx.call('scripts.rebuild', {}).then((r) => {
        ctx.emit(r, () => [`Indexed ${r.indexed} scripts`, ...r.problems.map(formatProblem)].join('\n'));
      }),
    );

  script
    .command('api [namespace]')
    .description('the bds_api methods scripts can call (✓: macros may call it too)')
    .action(async (namespace?: string) =>
      ctx.call('scripts.apiReference', {}).then((all) => {
        const shown = namespace ? all.filter((m) => m.namespace === namespace) : all;
        ctx.emit(shown, () =>
          shown
            .map((m) => {
              const args = m.params.map((p) => `${p.name}${p.required ? '' : '=None'}`).join(', ');
              return `${m.readOnly ? '✓' : ' '} bds_api.${m.namespace}.${m.name}(${args}) -> ${m.returns}\n    ${m.description}`;
            })
            .join('\n'),
        );
      }),
    );
}
