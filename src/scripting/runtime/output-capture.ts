// Captures what Python writes to stdout/stderr during one run: decoded as UTF-8, sent on in batches,
// and capped, so that a script printing 100 MB costs the host at most the cap.
import type { OutputStream } from './protocol.js';

export type OutputSink = (stream: OutputStream, text: string) => void;

interface StreamState {
  /** Made at a run's first output (most runs print nothing, and a decoder is not free to make). */
  decoder: InstanceType<typeof TextDecoder> | null;
  bytes: number;
  pending: string;
  truncated: boolean;
  /** performance.now() of the last batch sent. */
  sentAt: number;
  /** Batches sent in this run. */
  batches: number;
}

export const DEFAULT_OUTPUT_LIMIT_BYTES = 1024 * 1024;
const BATCH_CHARS = 16 * 1024;
/** A finished line goes out when this long has passed since the last batch: live, not chatty. */
const LIVE_LINE_MS = 100;
/**
 * The first lines of a run go out as they are finished, whatever the time: nothing can send a line
 * later while Python runs on (no timer runs meanwhile), and a script that prints a line and then works
 * silently should show it.
 */
const EAGER_BATCHES = 20;

export class OutputCapture {
  private sink: OutputSink | null = null;
  private readonly streams: Record<OutputStream, StreamState>;

  constructor(private readonly limitBytes = DEFAULT_OUTPUT_LIMIT_BYTES) {
    this.streams = { stdout: this.fresh(), stderr: this.fresh() };
  }

  /** Start capturing for one run; `sink` receives batches until `end()`. */
  begin(sink: OutputSink): void {
    this.sink = sink;
    this.streams.stdout = this.fresh();
    this.streams.stderr = this.fresh();
  }

  /** Called by Pyodide with raw bytes (a view into its heap, valid only during the call). */
  write(stream: OutputStream, bytes: Uint8Array): number {
    const state = this.streams[stream];
    if (this.sink === null || state.truncated) return bytes.length;
    const room = this.limitBytes - state.bytes;
    const kept = bytes.length <= room ? bytes : bytes.subarray(0, Math.max(0, room));
    state.bytes += kept.length;
    const decoder = (state.decoder ??= new TextDecoder('utf-8'));
    state.pending += decoder.decode(kept, { stream: true });
    if (kept.length < bytes.length) {
      state.truncated = true;
      state.pending += decoder.decode();
      state.pending += `\n[bds: output truncated after ${this.limitBytes} bytes]\n`;
      this.flush(stream);
    } else if (
      state.pending.length >= BATCH_CHARS ||
      // Python prints synchronously and no timer can run meanwhile: a finished line is sent once a
      // little time has passed, so a long run's output shows as it comes.
      (state.pending.includes('\n') &&
        (state.batches < EAGER_BATCHES || performance.now() - state.sentAt >= LIVE_LINE_MS))
    ) {
      this.flush(stream);
    }
    return bytes.length;
  }

  /** Send what is pending and stop capturing. */
  end(): { truncated: boolean } {
    if (this.sink === null) return { truncated: false };
    for (const stream of ['stdout', 'stderr'] as const) {
      const state = this.streams[stream];
      if (!state.truncated && state.decoder) state.pending += state.decoder.decode();
      this.flush(stream);
    }
    const truncated = this.streams.stdout.truncated || this.streams.stderr.truncated;
    this.sink = null;
    return { truncated };
  }

  private flush(stream: OutputStream): void {
    const state = this.streams[stream];
    if (state.pending === '' || this.sink === null) return;
    const text = state.pending;
    state.pending = '';
    state.sentAt = performance.now();
    state.batches++;
    this.sink(stream, text);
  }

  private fresh(): StreamState {
    return {
      decoder: null,
      bytes: 0,
      pending: '',
      truncated: false,
      sentAt: performance.now(),
      batches: 0,
    };
  }
}
