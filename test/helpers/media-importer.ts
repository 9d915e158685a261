// A process that imports media into a project as fast as it can, for crash tests: the test kills it at
// random points. Arguments: the project folder, then the files to import (each round imports them all).
import { Workspace } from '../../src/app/workspace.js';
import { loadSharp } from '../../src/content/media/sharp.js';

const [root, ...files] = process.argv.slice(2);
const ws = Workspace.open(root!);
// Loaded before "ready", so the kills land in imports rather than in loading the image library.
await loadSharp();
process.stdout.write('ready\n');
for (let round = 0; ; round++) {
  const t0 = performance.now();
  await ws.call('media.import', { files, title: `Round ${round}` });
  process.stdout.write(`imported ${files.length} in ${Math.round(performance.now() - t0)} ms\n`);
}
