// Answers of cacheable reads (use cases whose answer changes only with the workspace's change events),
// kept as JSON with an ETag until the next event. The UI asks for the same list again after every
// change; fifty clients asking at once are answered from here instead of from the index each time.
import { createHash } from 'node:crypto';

export interface CachedAnswer {
  etag: string;
  body: string;
}

export class ReadCache {
  private readonly entries = new Map<string, CachedAnswer>();
  /** Bumped by every change: an answer computed across a change is not kept. */
  private generation = 0;

  constructor(private readonly maxEntries = 500) {}

  get(key: string): CachedAnswer | undefined {
    return this.entries.get(key);
  }

  /** The current generation, to hand back to `set` with the answer computed under it. */
  begin(): number {
    return this.generation;
  }

  set(key: string, body: string, generation: number): CachedAnswer {
    const answer = { etag: `"${createHash('sha1').update(body).digest('base64url')}"`, body };
    if (generation !== this.generation) return answer;
    if (this.entries.size >= this.maxEntries) {
      // The oldest entry goes first (a Map keeps insertion order).
      this.entries.delete(this.entries.keys().next().value!);
    }
    this.entries.set(key, answer);
    return answer;
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
