// The default project a new user gets on first run, with a welcome post that shows what bds does.
import { callUserUseCase, Workspace } from '../app/index.js';

export const WELCOME_BODY = `Welcome to **bds**, your local-first blogging workspace.

Everything you write lives in plain files you own:

- posts are Markdown files under \`posts/YYYY/MM/\`, drafts included;
- pictures and files go to \`media/\`, each with a small YAML sidecar;
- Python scripts in \`scripts/\` expand \`[[macro]]\` blocks in your posts.

Keep the folder in git, edit the files with any editor, and bds keeps up.

Try \`bds post new --title "My first post"\` or \`bds --help\`.
`;

export async function createDefaultProject(dir: string, home: string): Promise<void> {
  await callUserUseCase(home, 'projects.create', { dir, name: 'My blog' });
  const ws = Workspace.open(dir, { home });
  try {
    await ws.call('posts.create', {
      title: 'Welcome to bds',
      body: WELCOME_BODY,
      tags: ['bds'],
      categories: ['article'],
      publish: true,
    });
  } finally {
    await ws.close();
  }
}
