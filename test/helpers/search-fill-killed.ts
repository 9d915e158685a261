// A process that rebuilds a project's index, then is killed (SIGKILL) while filling the posts search
// index, after its last row is written and before the fill commits. For crash tests.
import { Workspace } from '../../src/app/workspace.js';

const ws = Workspace.open(process.argv[2]!);
await ws.call('project.rebuild', {});
const db = ws.db.sqlite;
db.function('die', () => {
  process.kill(process.pid, 'SIGKILL');
  // Not reached: a SIGKILL to the calling process is delivered before kill() returns.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5000);
  throw new Error('still alive after SIGKILL');
});
// Clearing the stale flag is the fill's last statement.
db.exec(`CREATE TEMP TRIGGER die_mid_fill BEFORE DELETE ON main.stale_fts BEGIN SELECT die(); END`);
await ws.call('posts.search', { query: 'anything' });
process.exit(1);
