// What the workspace tells its listeners, as the app's event stream names it: content changes (made by
// a use case or found by the watcher: another editor, the CLI in another terminal), tasks and build
// progress, git, settings, and the problems count whenever it may have changed.
import type { AppEvents, Workspace } from '../app/index.js';
import type { EventHub } from './event-hub.js';

/** Workspace events the stream forwards as they are. */
const FORWARDED = [
  'posts-changed',
  'media-changed',
  'meta-changed',
  'scripts-changed',
  'templates-changed',
  'settings-changed',
  'build-progress',
  'git-changed',
  'blogmark-created',
] as const satisfies readonly (keyof AppEvents)[];

/** The events a client of the stream can receive (besides `resync`). */
export const STREAM_EVENTS = [...FORWARDED, 'problems-changed', 'task-progress'] as const;
export type StreamEvent = (typeof STREAM_EVENTS)[number];

/** Everything after which a cacheable read may answer differently: the forwarded changes, and problems. */
export const CHANGE_EVENTS = [
  ...FORWARDED.filter((name) => name !== 'build-progress'),
  'problem',
] as const satisfies readonly (keyof AppEvents)[];

/** Events after which the list of problems may be different. */
const MAY_CHANGE_PROBLEMS = [
  'problem',
  'posts-changed',
  'media-changed',
  'scripts-changed',
  'settings-changed',
] as const satisfies readonly (keyof AppEvents)[];

/** Starts forwarding; the returned function stops it. */
export function bridgeEvents(ws: Workspace, hub: EventHub): () => void {
  const offs: (() => void)[] = [];
  for (const name of FORWARDED) {
    offs.push(ws.events.on(name, (payload) => hub.publish(name, payload)));
  }
  for (const name of [
    'task-created',
    'task-started',
    'task-progress',
    'task-completed',
    'task-failed',
    'task-cancelled',
  ] as const) {
    offs.push(ws.tasks.on(name, (info) => hub.publish('task-progress', info)));
  }

  // Problems: counted again shortly after anything that may change them, sent only when they did.
  let last = '';
  let timer: NodeJS.Timeout | undefined;
  const recount = () => {
    timer = undefined;
    void ws.call('project.problems', {}).then(
      (problems) => {
        const key = JSON.stringify(problems);
        if (key === last) return;
        last = key;
        hub.publish('problems-changed', { count: problems.length, problems });
      },
      () => {
        // The index is closing; the next change counts again.
      },
    );
  };
  const schedule = () => {
    timer ??= setTimeout(recount, 50);
  };
  for (const name of MAY_CHANGE_PROBLEMS) offs.push(ws.events.on(name, schedule));
  void ws.call('project.problems', {}).then((p) => {
    last = JSON.stringify(p);
  });
  return () => {
    if (timer) clearTimeout(timer);
    offs.forEach((off) => off());
  };
}
