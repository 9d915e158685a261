// `bds template ...`: the site's Liquid templates (the user's templates/NAME.liquid over the theme's).
import type { Command } from 'commander';
import { BdsError } from '../../app/index.js';
import { table } from '../output.js';
import type { CliContext } from '../context.js';
import { readInputFile } from '../input-file.js';

export function templateCommands(program: Command, ctx: CliContext): void {
  const template = program.command('template').description('Liquid templates of the site');

  template
    .command('list')
    .description('every template the site uses, user templates first where they override')
    .action(async () => {
      const list = await ctx.call('templates.list', {});
      ctx.emit(list, () =>
        table(list.map((t) => [t.name, t.source + (t.overridesBuiltin ? ' (overrides)' : ''), t.file])),
      );
    });

  template
    .command('show <name>')
    .description('the text of the template the site uses under a name')
    .action(async (name: string) => {
      const t = await ctx.call('templates.get', { name });
      ctx.emit(t, () => t.content);
    });

  template
    .command('save <name> <file>')
    .description('write templates/NAME.liquid from a file after checking that it parses')
    .action(async (name: string, file: string) => {
      const content = readInputFile(ctx.io, file);
      const t = await ctx.call('templates.save', { name, content });
      ctx.emit(t, () => `Saved ${t.file}`);
    });

  template
    .command('check <name> <file>')
    .description('the Liquid syntax errors of a file as templates/NAME.liquid (nothing is written)')
    .action(async (name: string, file: string) => {
      const content = readInputFile(ctx.io, file);
      const r = await ctx.call('templates.check', { name, content });
      const first = r.errors[0];
      // An error fails the command (exit code), with its line and column like a build's.
      if (first) {
        throw new BdsError('template-error', first.message, {
          file,
          line: first.line,
          column: first.column,
        });
      }
      ctx.emit(r, () => `${file}: no Liquid errors`);
    });

  template
    .command('delete <name>')
    .description('delete templates/NAME.liquid (the built-in template of that name is used again)')
    .action(async (name: string) => {
      const r = await ctx.call('templates.delete', { name });
      ctx.emit(r, () => `Deleted templates/${r.name}.liquid`);
    });
}
