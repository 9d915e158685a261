// A process that writes to a project as fast as it can, for crash tests: the test kills it at random points.
import { Workspace } from '../../src/app/workspace.js';

const root = process.argv[2]!;
const ws = Workspace.open(root);
process.stdout.write('ready\n');
for (let i = 0; ; i++) {
  const p = ws.createPost({
    title: `Crash ${i} ${Math.random()}`,
    body: 'x'.repeat(1000 + (i % 7) * 5000),
    tags: ['t1'],
  });
  ws.updatePost(p.id, { body: `edited ${i}\n`, tags: ['t1', 't2'] });
  ws.publishPost(p.id);
  ws.updatePost(p.id, { title: `Pending ${i}` });
  if (i % 3 === 0) ws.publishPost(p.id);
  if (i % 5 === 0) ws.renameTag('t2', i % 2 ? 'T2' : 't2');
  if (i % 4 === 0) ws.deletePost(p.id);
}
