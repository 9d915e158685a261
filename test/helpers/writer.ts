// A process that writes to a project as fast as it can, for crash tests: the test kills it at random points.
import { Workspace } from '../../src/app/workspace.js';

const root = process.argv[2]!;
const ws = Workspace.open(root);
process.stdout.write('ready\n');
for (let i = 0; ; i++) {
  const p = await ws.call('posts.create', {
    title: `Crash ${i} ${Math.random()}`,
    body: 'x'.repeat(1000 + (i % 7) * 5000),
    tags: ['t1'],
  });
  await ws.call('posts.update', { ref: p.id, body: `edited ${i}\n`, tags: ['t1', 't2'] });
  await ws.call('posts.publish', { ref: p.id });
  await ws.call('posts.update', { ref: p.id, title: `Pending ${i}` });
  if (i % 3 === 0) await ws.call('posts.publish', { ref: p.id });
  if (i % 5 === 0) await ws.call('tags.rename', { name: 't2', newName: i % 2 ? 'T2' : 't2' });
  if (i % 4 === 0) await ws.call('posts.delete', { ref: p.id });
}
