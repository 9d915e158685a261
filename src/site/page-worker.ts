// Entry of the thread that renders a share of a large build's pages (see page-workers.ts): it makes the
// same theme and page renderer from what the build sends, takes pages from the shared counter, renders,
// hashes and writes them, and answers with each file's hash.
import { parentPort } from 'node:worker_threads';
import { BdsError, isBdsError } from '../core/errors.js';
import { LiquidTheme } from '../render/liquid/index.js';
import { sha256 } from './hashes.js';
import { SiteWriter } from './output.js';
import { PageRenderer } from './pages.js';
import { PageClaims, type PageWorkerReply, type PageWorkerRequest } from './page-workers.js';
import { storedSiteHtml, writeCache, type RenderedBody } from './post-bodies.js';
import type { SiteEntry } from './model.js';
import type { SitePost } from './source.js';

/** A body whose HTML is read from the render cache file each time a page shows it. */
class StoredHtmlBody implements RenderedBody {
  readonly htmlHash: string;
  readonly excerpt: string;
  readonly warnings: RenderedBody['warnings'];
  readonly failures: RenderedBody['failures'];
  readonly counters: RenderedBody['counters'];

  constructor(
    body: RenderedBody,
    private readonly post: SitePost,
    private readonly read: (post: SitePost) => string | undefined,
  ) {
    this.htmlHash = body.htmlHash;
    this.excerpt = body.excerpt;
    this.warnings = body.warnings;
    this.failures = body.failures;
    this.counters = body.counters;
  }

  get html(): string {
    const html = this.read(this.post);
    if (html === undefined) {
      throw new BdsError(
        'site-worker-failed',
        `the render cache no longer holds the body of ${this.post.path} (another build changed it)`,
      );
    }
    return html;
  }
}

function reply(message: PageWorkerReply): void {
  parentPort!.postMessage(message);
}

parentPort!.once('message', (request: PageWorkerRequest) => {
  const taken: number[] = [];
  const hashes: string[] = [];
  const written: boolean[] = [];
  let stored: ReturnType<typeof storedSiteHtml> | undefined;
  const claims = new PageClaims(request.claim, request.jobs.length);
  try {
    if (request.cacheWrite) {
      // Every thread that reads HTML from the file waits for this (a failed write fails them too).
      let saved = false;
      try {
        writeCache(request.cacheWrite.file, request.cacheWrite.write);
        saved = true;
      } finally {
        claims.htmlSaved(saved);
      }
    }
    const bodies = request.bodies as Map<SiteEntry, RenderedBody>;
    if (request.htmlStored && request.htmlStored.entries.size > 0) {
      stored = storedSiteHtml(request.htmlStored.file, () => {
        if (!claims.waitForHtml()) {
          throw new BdsError('site-worker-failed', 'the render cache the pages read could not be saved');
        }
      });
      const { read } = stored;
      for (const entry of request.htmlStored.entries) {
        bodies.set(entry, new StoredHtmlBody(bodies.get(entry)!, entry.post, read));
      }
    }
    const theme = new LiquidTheme(request.templates);
    const renderer = new PageRenderer(
      {
        settings: request.settings,
        model: request.model,
        bodies,
        theme,
        preview: false,
        forgetViews: true,
      },
      new Map(),
    );
    const writer = new SiteWriter(request.outDir);
    // The build's thread may have taken every page while this one started.
    if (claims.workerBegins(request.worker ?? 0)) {
      for (let i = claims.next(); i !== undefined; i = claims.next()) {
        const job = request.jobs[i]!;
        const content = Buffer.from(renderer.render(request.model.pages[job.index]!), 'utf8');
        const hash = sha256(content);
        const write = hash !== job.oldHash;
        if (write) writer.write(job.file, content);
        taken.push(i);
        hashes.push(hash);
        written.push(write);
      }
    }
    reply({ ok: true, taken, hashes, written });
  } catch (e) {
    reply({
      ok: false,
      error: isBdsError(e)
        ? { code: e.code, message: e.message, file: e.file, line: e.line, column: e.column }
        : { code: 'internal', message: e instanceof Error ? (e.stack ?? e.message) : String(e) },
    });
  } finally {
    stored?.close();
  }
});
