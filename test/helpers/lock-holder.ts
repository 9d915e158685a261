// Another process writing the same project index: takes SQLite's write lock (`BEGIN IMMEDIATE`),
// prints `locked`, and holds it until its stdin closes (or HOLD_MS passes), then commits and exits.
// Usage: node --import tsx test/helpers/lock-holder.ts INDEX_FILE [HOLD_MS]
import Database from 'better-sqlite3';

const file = process.argv[2]!;
const holdMs = process.argv[3] === undefined ? undefined : Number(process.argv[3]);

const db = new Database(file);
db.exec('BEGIN IMMEDIATE');
process.stdout.write('locked\n');

let released = false;
const release = (): void => {
  if (released) return;
  released = true;
  db.exec('COMMIT');
  db.close();
  process.exit(0);
};
process.stdin.on('end', release);
process.stdin.resume();
if (holdMs !== undefined) setTimeout(release, holdMs);
