// The server-sent event stream of the app: every event gets an id (`BOOT-SEQ`) and is kept for a minute,
// so a client that reconnects with Last-Event-ID gets what it missed. A client whose stream backs up (a
// stalled tab) is dropped rather than buffered without end; it reconnects and catches up the same way.
import { randomBytes } from 'node:crypto';

export interface HubEvent {
  id: string;
  seq: number;
  name: string;
  data: unknown;
  at: number;
}

export interface EventHubOptions {
  /** How long events are kept for clients that reconnect (default 60 s). */
  keepMs?: number;
  /** At most this many kept events (default 5000). */
  maxKept?: number;
  /** A comment line this often keeps idle connections open (default 15 s). */
  heartbeatMs?: number;
  /** Bytes a client may have waiting before it is dropped (default 1 MiB). */
  maxBacklogBytes?: number;
  now?: () => number;
}

interface Client {
  controller: ReadableStreamDefaultController<Uint8Array>;
  closed: boolean;
}

const encoder = new TextEncoder();

function frame(e: HubEvent): Uint8Array {
  return encoder.encode(`id: ${e.id}\nevent: ${e.name}\ndata: ${JSON.stringify(e.data)}\n\n`);
}

export class EventHub {
  /** Changes every run: ids of another run cannot be replayed, and the client is told to reload all. */
  readonly boot = randomBytes(6).toString('hex');
  private seq = 0;
  private readonly kept: HubEvent[] = [];
  private readonly clients = new Set<Client>();
  private readonly keepMs: number;
  private readonly maxKept: number;
  private readonly maxBacklog: number;
  private readonly now: () => number;
  private readonly heartbeat: NodeJS.Timeout;

  constructor(options: EventHubOptions = {}) {
    this.keepMs = options.keepMs ?? 60_000;
    this.maxKept = options.maxKept ?? 5000;
    this.maxBacklog = options.maxBacklogBytes ?? 1024 * 1024;
    this.now = options.now ?? Date.now;
    this.heartbeat = setInterval(
      () => this.sendAll(encoder.encode(': keep-alive\n\n')),
      options.heartbeatMs ?? 15_000,
    );
    this.heartbeat.unref();
  }

  get size(): number {
    return this.clients.size;
  }

  publish(name: string, data: unknown): HubEvent {
    const e: HubEvent = { id: `${this.boot}-${++this.seq}`, seq: this.seq, name, data, at: this.now() };
    this.kept.push(e);
    this.prune();
    this.sendAll(frame(e));
    return e;
  }

  private prune(): void {
    const oldest = this.now() - this.keepMs;
    let drop = 0;
    while (
      drop < this.kept.length &&
      (this.kept[drop]!.at < oldest || this.kept.length - drop > this.maxKept)
    )
      drop++;
    if (drop > 0) this.kept.splice(0, drop);
  }

  private sendAll(bytes: Uint8Array): void {
    for (const c of this.clients) this.send(c, bytes);
  }

  private send(c: Client, bytes: Uint8Array): void {
    if (c.closed) return;
    // desiredSize goes negative by what the client has not read yet.
    if ((c.controller.desiredSize ?? 0) < -this.maxBacklog) {
      this.drop(c);
      return;
    }
    c.controller.enqueue(bytes);
  }

  private drop(c: Client): void {
    if (c.closed) return;
    c.closed = true;
    this.clients.delete(c);
    try {
      c.controller.close();
    } catch {
      // already closed by the other side
    }
  }

  /**
   * A stream for one client. With `lastEventId` of this run and still kept, the events after it come
   * first; an id that cannot be served (another run, or older than a minute) gets a `resync` event: the
   * client should read its state again.
   */
  stream(lastEventId?: string): ReadableStream<Uint8Array> {
    let client: Client;
    return new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          client = { controller, closed: false };
          controller.enqueue(encoder.encode(`retry: 1000\n: ${this.boot}\n\n`));
          this.prune();
          const replay = this.replay(lastEventId);
          if (replay === 'resync') {
            const e = { id: `${this.boot}-${this.seq}`, name: 'resync', data: { boot: this.boot } };
            controller.enqueue(
              encoder.encode(`id: ${e.id}\nevent: resync\ndata: ${JSON.stringify(e.data)}\n\n`),
            );
          } else {
            for (const e of replay) controller.enqueue(frame(e));
          }
          this.clients.add(client);
        },
        cancel: () => {
          client.closed = true;
          this.clients.delete(client);
        },
      },
      // Counted in bytes, so desiredSize says how much the client has left unread.
      { highWaterMark: 64 * 1024, size: (chunk) => chunk.byteLength },
    );
  }

  private replay(lastEventId: string | undefined): HubEvent[] | 'resync' {
    if (lastEventId === undefined || lastEventId === '') return [];
    const m = /^([0-9a-f]+)-(\d+)$/.exec(lastEventId);
    if (!m || m[1] !== this.boot) return 'resync';
    const seen = Number(m[2]);
    if (seen >= this.seq) return [];
    const first = this.kept[0];
    // Events between `seen` and the oldest kept one are gone.
    if (!first || first.seq > seen + 1) return 'resync';
    return this.kept.filter((e) => e.seq > seen);
  }

  close(): void {
    clearInterval(this.heartbeat);
    for (const c of [...this.clients]) this.drop(c);
  }
}
