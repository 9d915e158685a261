// The default project a new user gets on first run, with a welcome post that shows what bds does: its
// first lines come from a small Python macro in scripts/ (written by bds, so trusted and enabled).
import { callUserUseCase, Workspace } from '../app/index.js';

/** The sample macro: `[[greeting name="..."]]` renders a line with the post's title and today's weekday. */
export const SAMPLE_MACRO = `import datetime
import html


def render(context, post):
    """[[greeting name="..."]]: a greeting that knows the post it is in.

    context["params"] holds the macro's parameters, post the post's fields (or None).
    Return HTML, or {"html": ..., "warnings": [...]}.
    """
    name = context["params"].get("name", "writer")
    title = post["title"] if post else "this page"
    day = datetime.date.today().strftime("%A")
    return (
        '<p class="greeting">'
        f"Hello, {html.escape(str(name))}! This line was written by Python "
        f"(scripts/greeting.py) for “{html.escape(title)}” on a {day}."
        "</p>"
    )
`;

export const WELCOME_BODY = `[[greeting name="writer"]]

Welcome to **bds**, your local-first blogging workspace. The line above comes from a Python macro:
\`scripts/greeting.py\` runs in Pyodide whenever this post is rendered. Change it, and the preview
follows.

Everything you write lives in plain files you own:

- posts are Markdown files under \`posts/YYYY/MM/\`, drafts included;
- pictures and files go to \`media/\`, each with a small YAML sidecar;
- Python scripts in \`scripts/\` expand \`[[macro]]\` blocks in your posts.

Keep the folder in git, edit the files with any editor, and bds keeps up.

Try \`npx bds post new --title "My first post"\` or \`npx bds --help\`.
`;

export async function createDefaultProject(dir: string, home: string): Promise<void> {
  await callUserUseCase(home, 'projects.create', { dir, name: 'My blog' });
  const ws = Workspace.open(dir, { home });
  try {
    await ws.call('scripts.create', {
      title: 'Greeting',
      slug: 'greeting',
      kind: 'macro',
      code: SAMPLE_MACRO,
      enabled: true,
    });
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
