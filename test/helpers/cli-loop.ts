// One bds process that runs a list of `bds` commands one after the other, each opening the project
// anew as a separate command would, and prints their exit codes and errors as JSON at the end.
import { runCli } from '../../src/cli/program.js';

const [role, project, home, countText] = process.argv.slice(2) as [string, string, string, string];
const count = Number(countText);

function commands(i: number): string[][] {
  switch (role) {
    case 'writer':
      return [
        ['post', 'new', '--title', `Writer ${i}`, '--body', `Body ${i}.`, '--tag', 'writer'],
        ['post', 'edit', 'shared', '--excerpt', `excerpt ${i}`],
      ];
    case 'tagger':
      return [['tag', 'rename', i % 2 === 0 ? 'red' : 'blue', i % 2 === 0 ? 'blue' : 'red']];
    case 'editor':
      return [['post', 'edit', 'shared', '--body', `edit ${i}`]];
    default:
      throw new Error(`unknown role ${role}`);
  }
}

const failures: { args: string[]; code: number; stderr: string }[] = [];
let ran = 0;
for (let i = 0; i < count; i++) {
  for (const args of commands(i)) {
    let stderr = '';
    const code = await runCli(['--project', project, ...args], {
      out: () => {},
      err: (t) => (stderr += t),
      env: { ...process.env, BDS_HOME: home },
      cwd: project,
      isTTY: false,
    });
    ran++;
    if (code !== 0) failures.push({ args, code, stderr });
  }
}
process.stdout.write(`${JSON.stringify({ role, ran, failures })}\n`);
