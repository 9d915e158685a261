// Another bds process opening project indexes: loads bds, prints `ready`, then for each line on stdin
// (an index file; several of these processes get it at the same moment) opens that index and prints
// `opened` or the error's code and message. Exits when stdin ends.
// Usage: node --import tsx test/helpers/index-opener.ts
import readline from 'node:readline';
import { openIndexDb } from '../../src/store/index.js';

process.stdout.write('ready\n');
for await (const file of readline.createInterface({ input: process.stdin })) {
  try {
    openIndexDb(file).close();
    process.stdout.write('opened\n');
  } catch (e) {
    const err = e as { code?: unknown; message?: unknown };
    process.stdout.write(`failed ${String(err.code)}: ${String(err.message)}\n`);
  }
}
