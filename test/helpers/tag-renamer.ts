// A process that renames a tag over a whole project, for crash tests: the test kills it during the rewrite.
// With `slow`, each rename of a staged file (after the commit) waits a few milliseconds and the first one
// prints `applying`, so the test can kill it among the renames (which otherwise take a few milliseconds
// for 300 files); the journal going in place, the commit point, prints `committed`.
import fs from 'node:fs';
import path from 'node:path';
import { Workspace } from '../../src/app/workspace.js';

const [root, from, to, mode] = process.argv.slice(2) as [string, string, string, string | undefined];
if (mode === 'slow') {
  const rename = fs.renameSync;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  let announced = false;
  fs.renameSync = (src: fs.PathLike, dest: fs.PathLike) => {
    // A staged new text going in place: after the commit. (The journal, the commit point, is also
    // renamed into place inside the batch folder, from a temporary name.)
    if (String(src).includes(`${path.sep}rewrites${path.sep}`) && String(src).endsWith('.new')) {
      if (!announced) process.stdout.write('applying\n');
      announced = true;
      Atomics.wait(pause, 0, 0, 3);
    }
    rename(src, dest);
    // The journal in place is the commit point: a kill from here on leaves a rename to finish.
    if (String(dest).endsWith(`${path.sep}journal.json`)) process.stdout.write('committed\n');
  };
}
const ws = Workspace.open(root);
process.stdout.write('ready\n');
const r = await ws.call('tags.rename', { name: from, newName: to });
process.stdout.write(`done ${r.rewritten}\n`);
await ws.close();
