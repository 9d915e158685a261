// Typed application events (the server forwards them to the UI as server-sent events).
import { EventEmitter } from 'node:events';

export interface AppEvents {
  'posts-changed': { paths: string[]; source: 'app' | 'external' };
  'media-changed': { paths: string[]; source: 'app' | 'external' };
  'meta-changed': { paths: string[]; source: 'app' | 'external' };
  /** Templates under templates/ were saved, deleted or edited outside bds. */
  'templates-changed': { paths: string[]; source: 'app' | 'external' };
  'scripts-changed': { macroSlugs: string[] };
  /** A commit, pull, push or fetch changed what git shows. */
  'git-changed': Record<string, never>;
  /** bds.json or this machine's settings for the project changed. */
  'settings-changed': { keys: string[] };
  problem: { file: string; code: string; message: string; line?: number };
  /** A site build's progress by phase (throttled: a phase change, else at most every 100 ms). */
  'build-progress': { phase: string; done: number; total: number; percent: number; message: string };
  /** A blogmark became a draft post. */
  'blogmark-created': { postId: string; url: string };
}

export type AppEventName = keyof AppEvents;

/** Any event with its payload (to pass events on to another thread). */
export type AnyAppEventListener = <K extends AppEventName>(name: K, payload: AppEvents[K]) => void;

export class AppEventBus {
  private readonly emitter = new EventEmitter();
  private readonly anyListeners = new Set<AnyAppEventListener>();

  on<K extends keyof AppEvents>(name: K, listener: (payload: AppEvents[K]) => void): () => void {
    this.emitter.on(name, listener);
    return () => this.emitter.off(name, listener);
  }

  onAny(listener: AnyAppEventListener): () => void {
    this.anyListeners.add(listener);
    return () => this.anyListeners.delete(listener);
  }

  emit<K extends keyof AppEvents>(name: K, payload: AppEvents[K]): void {
    this.emitter.emit(name, payload);
    for (const listener of this.anyListeners) listener(name, payload);
  }
}
