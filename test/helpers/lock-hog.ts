// Another bds process that writes a project index without pause: its write jobs (each adds a note -1
// and holds the lock a little) run back to back through ProjectWriteLock until stdin closes.
// Prints `running` once its first job has committed.
// Usage: node --import tsx test/helpers/lock-hog.ts INDEX_FILE
import { openIndexDb, ProjectWriteLock } from '../../src/store/index.js';

const db = openIndexDb(process.argv[2]!);
const lock = new ProjectWriteLock(db.sqlite, { timeoutMs: 60_000 });
let stop = false;
process.stdin.on('end', () => (stop = true));
process.stdin.resume();
for (let i = 0; !stop; i++) {
  await lock.run(async () => {
    db.sqlite.prepare('INSERT INTO notes (n) VALUES (-1)').run();
    await new Promise((r) => setTimeout(r, 20));
  });
  if (i === 0) process.stdout.write('running\n');
}
db.close();
