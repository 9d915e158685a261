// The default project a new user gets on first run, with a welcome post that shows what bds does.
import { initProject } from '../content/project.js';
import { Workspace } from '../app/workspace.js';

export const WELCOME_BODY = `Welcome to **bds**, your local-first blogging workspace.

Everything you write lives in plain files you own:

- posts are Markdown files under \`posts/YYYY/MM/\`, drafts included;
- pictures and files go to \`media/\`, each with a small YAML sidecar;
- Python scripts in \`scripts/\` expand \`[[macro]]\` blocks in your posts.

Keep the folder in git, edit the files with any editor, and bds keeps up.

Try \`bds post new --title "My first post"\` or \`bds --help\`.
`;

export function createDefaultProject(dir: string, home?: string): void {
  initProject(dir, { name: 'My blog' });
  const ws = Workspace.open(dir, home === undefined ? {} : { home });
  try {
    ws.createPost({
      title: 'Welcome to bds',
      body: WELCOME_BODY,
      tags: ['bds'],
      categories: ['article'],
      publish: true,
    });
  } finally {
    void ws.close();
  }
}
