// `bds config ...`: the project's settings (bds.json) and this machine's settings for it (BDS_HOME),
// and `bds call`: any use case by name with a JSON input, for scripts and for trying the API.
import type { Command } from 'commander';
import { ALL_USE_CASES, BdsError, findUseCase, type UseCaseName } from '../../app/index.js';
import { table } from '../output.js';
import type { CliContext } from '../context.js';

/** A value typed on the command line: JSON when it parses (numbers, booleans, lists), else the text. */
function parseValue(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

const show = (v: unknown) => (v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v));

export function configCommands(program: Command, ctx: CliContext): void {
  const config = program
    .command('config')
    .description("settings: the project's (bds.json, shared through git) and this machine's (BDS_HOME)");

  config
    .command('list')
    .description('every setting with its value, default and where it is kept')
    .action(async () => {
      const list = await ctx.call('settings.list', {});
      ctx.emit(list, () =>
        table([
          ['key', 'value', 'default', 'kept in'],
          ...list.map((s) => [
            s.key,
            show(s.value),
            show(s.default),
            s.scope === 'project' ? 'bds.json' : 'this machine',
          ]),
        ]),
      );
    });

  config
    .command('get <key>')
    .description('one setting')
    .action(async (key: string) => {
      const s = await ctx.call('settings.get', { key });
      ctx.emit(s, () => show(s.value));
    });

  config
    .command('set <key> <value>')
    .description('change a setting (values that parse as JSON are typed: 20, true, "text")')
    .action(async (key: string, value: string) => {
      const s = await ctx.call('settings.set', { key, value: parseValue(value) });
      ctx.emit(
        s,
        () => `${s.key} = ${show(s.value)} (${s.scope === 'project' ? 'bds.json' : 'this machine'})`,
      );
    });

  program
    .command('call <useCase> [input]')
    .description('run any use case by name with a JSON input (`bds call --list` names them)')
    .option('--list', 'list the use cases')
    .action(async (name: string, input: string | undefined, opts: { list?: boolean }) => {
      if (opts.list) {
        ctx.emit(
          ALL_USE_CASES.map((u) => ({ name: u.name, readOnly: u.readOnly, description: u.description })),
          () => table(ALL_USE_CASES.map((u) => [u.name, u.readOnly ? 'read' : 'write', u.description])),
        );
        return;
      }
      const uc = findUseCase(name);
      if (!uc)
        throw new BdsError('invalid-argument', `bds has no use case "${name}" (see \`bds call --list\`)`);
      let parsed: unknown = {};
      if (input !== undefined) {
        try {
          parsed = JSON.parse(input);
        } catch (cause) {
          throw new BdsError(
            'invalid-argument',
            `The input of ${name} is not JSON: ${(cause as Error).message}`,
          );
        }
      }
      const n = name as UseCaseName;
      const result =
        uc.scope === 'user'
          ? await ctx.callUser(n as never, parsed as never)
          : await ctx.call(n, parsed as never);
      ctx.emit(result, () => JSON.stringify(result, null, 2));
    });
}
