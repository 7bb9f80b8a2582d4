import type { ServerResponse } from 'node:http';
import { isJsonObject, type JsonObject } from '../json/json-value.js';
import { ApiError } from './api-error.js';
import { type ListQuery, matchesQuery, parseResourceVersion } from './list-query.js';
import type { ObjectStore, StoreEvent } from './object-store.js';
import type { ResourceService } from './resource-service.js';
import { apiVersionOf, type ResourceType } from './resource-type.js';
import { toTable } from './table.js';

export interface WatchRequest {
  type: ResourceType;
  version: string;
  namespace: string | undefined;
  query: ListQuery;
  table?: { includeObject?: string };
  /** Answer with a 410 Gone event at once (fault injection). */
  forceGone: boolean;
}

export interface WatchSettings {
  bookmarkIntervalMs: number;
  /** Used when the client sends no timeoutSeconds; the apiserver picks 30-60 min. */
  defaultTimeoutSeconds: number;
}

type EventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/**
 * A watch: newline-delimited JSON events starting after the requested resourceVersion. Headers go out at
 * once so clients know the watch is established; selector transitions become ADDED/DELETED like upstream.
 */
export class WatchStream {
  private closed = false;
  private headersSent = false;
  private unsubscribe: (() => void) | undefined;
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly req: WatchRequest,
    private readonly res: ServerResponse,
    private readonly store: ObjectStore,
    private readonly service: ResourceService,
    private readonly settings: WatchSettings,
    private readonly onClose: () => void,
  ) {}

  start(): void {
    this.res.on('close', () => this.close());
    this.res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
    this.res.flushHeaders();
    if (this.req.forceGone) {
      this.sendError(
        new ApiError(
          410,
          'Expired',
          `too old resource version: ${this.req.query.resourceVersion ?? '0'} (${this.store.resourceVersion})`,
        ),
      );
      return;
    }
    try {
      const from = parseResourceVersion(this.req.query.resourceVersion);
      if (from === undefined) {
        // No resourceVersion: synthetic ADDED for the current state, then changes.
        for (const stored of this.store.scan(this.req.type.storageKey, this.req.namespace)) {
          const external = this.service.externalView(this.req.type, this.req.version, stored);
          if (matchesQuery(this.req.query, external)) this.send('ADDED', external);
        }
      } else {
        for (const event of this.store.changesSince(from, this.req.type.storageKey)) this.deliver(event);
      }
    } catch (err) {
      if (err instanceof ApiError) {
        this.sendError(err);
        return;
      }
      throw err;
    }
    this.unsubscribe = this.store.subscribe((event) => {
      if (event.storageKey === this.req.type.storageKey) this.deliver(event);
    });
    if (this.req.query.allowWatchBookmarks && this.settings.bookmarkIntervalMs > 0) {
      this.timers.push(setInterval(() => this.sendBookmark(), this.settings.bookmarkIntervalMs));
    }
    const timeout = this.req.query.timeoutSeconds ?? this.settings.defaultTimeoutSeconds;
    this.timers.push(setTimeout(() => this.end(), timeout * 1000));
  }

  /** Ends the stream cleanly, as the server does when timeoutSeconds elapse. */
  end(): void {
    if (!this.closed) this.res.end();
    this.close();
  }

  /** Cuts the connection without a clean end (fault injection: a dropped watch). */
  drop(): void {
    this.res.destroy();
    this.close();
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe?.();
    for (const timer of this.timers) clearTimeout(timer);
    this.onClose();
  }

  private inScope(external: JsonObject): boolean {
    const ns = isJsonObject(external.metadata) ? external.metadata.namespace : undefined;
    return (
      (this.req.namespace === undefined || ns === this.req.namespace) &&
      matchesQuery(this.req.query, external)
    );
  }

  private deliver(event: StoreEvent): void {
    // Views, not copies: they are only matched and serialised (table rows get a copy in `send`).
    const current = this.service.externalView(this.req.type, this.req.version, event.object);
    const nowMatches = this.inScope(current);
    if (event.type !== 'MODIFIED') {
      if (nowMatches) this.send(event.type, current);
      return;
    }
    const before = event.previous
      ? this.service.externalView(this.req.type, this.req.version, event.previous)
      : undefined;
    const wasMatching = before ? this.inScope(before) : false;
    if (wasMatching && nowMatches) this.send('MODIFIED', current);
    else if (nowMatches) this.send('ADDED', current);
    else if (wasMatching) this.send('DELETED', current);
  }

  private sendBookmark(): void {
    this.write('BOOKMARK', {
      kind: this.req.type.kind,
      apiVersion: apiVersionOf(this.req.type.group, this.req.version),
      metadata: { resourceVersion: String(this.store.resourceVersion) },
    });
  }

  private sendError(err: ApiError): void {
    this.write('ERROR', err.toStatus());
    this.end();
  }

  private send(type: EventType, object: JsonObject): void {
    if (!this.req.table) {
      this.write(type, object);
      return;
    }
    const metadata = isJsonObject(object.metadata) ? object.metadata : {};
    const table = toTable(
      this.req.type,
      this.req.version,
      [structuredClone(object)],
      { resourceVersion: metadata.resourceVersion ?? '' },
      {
        includeObject: this.req.table.includeObject,
        omitHeaders: this.headersSent,
      },
    );
    this.headersSent = true;
    this.write(type, table);
  }

  private write(type: EventType, object: JsonObject): void {
    if (this.closed) return;
    this.res.write(`${JSON.stringify({ type, object })}\n`);
  }
}
