import type { Logger } from 'pino';
import { type KubeObject, listSchema, watchEventSchema } from '../kube/kube-object.js';
import { isStatus, type KubeRest } from '../kube/rest-client.js';
import { type Clock, sleep } from '../time/clock.js';
import { asKubeObject } from './cache-object.js';
import { objectKey } from './reconciler.js';

export type InformerEventType = 'add' | 'update' | 'delete';
/** `previous` is the cached object an update replaces (or a delete removes), so handlers can tell what changed. */
export type InformerHandler = (type: InformerEventType, object: KubeObject, previous?: KubeObject) => void;

export interface InformerOptions {
  rest: KubeRest;
  /** Collection path, e.g. /apis/apps/v1/deployments or /api/v1/namespaces/x/pods. */
  path: string;
  clock: Clock;
  logger: Logger;
  /** Full relist this often even when the watch looks healthy: repairs anything a watch silently lost. */
  relistIntervalMs?: number;
  /** A watch with no event and no bookmark for this long is presumed dead and replaced (with a relist). */
  silenceTimeoutMs?: number;
  /** Server-side watch timeout; the stream ends cleanly and is resumed from the last resourceVersion. */
  watchTimeoutSeconds?: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  pageSize?: number;
  /** What the cache keeps of each object (cache-object.ts): fields nobody reads need not stay in memory. */
  transform?: (object: KubeObject) => KubeObject;
  /** Called as a (re)list starts, and what it returns as it ends: the event-loop lag monitor watches closely. */
  attend?: () => () => void;
}

export interface InformerStats {
  path: string;
  synced: boolean;
  objects: number;
  resourceVersion: string | undefined;
  /** Whether a watch stream is currently open. */
  watching: boolean;
  lastEventTime: number | undefined;
  lastListTime: number | undefined;
  relists: number;
  watchRestarts: number;
  consecutiveFailures: number;
  lastError: string | undefined;
}

type RestartReason = 'gone' | 'silent' | 'relist-due' | 'stopped';

class WatchInterrupted extends Error {
  constructor(readonly reason: RestartReason) {
    super(`watch interrupted: ${reason}`);
  }
}

/**
 * A list+watch cache that does not give up. client-node's makeInformer stops on any error but 410, never relists
 * and cannot tell a silent watch from a quiet cluster; this one:
 * - restarts the watch with exponential backoff after any error, resuming from the last resourceVersion,
 * - relists after 410 Gone (the resourceVersion is too old) and periodically,
 * - treats a watch without events or bookmarks for silenceTimeoutMs as dead,
 * - emits add/update/delete for the difference after a relist, never a replay of everything.
 */
export class Informer {
  private readonly cache = new Map<string, KubeObject>();
  private readonly handlers: InformerHandler[] = [];
  private readonly options: Required<
    Omit<InformerOptions, 'rest' | 'clock' | 'logger' | 'path' | 'transform' | 'attend'>
  >;
  private readonly transform: (object: KubeObject) => KubeObject;
  private resourceVersion: string | undefined;
  private synced = false;
  private stopped = false;
  private running: Promise<void> | undefined;
  private readonly stopSignal = new AbortController();
  private watchAbort: AbortController | undefined;
  private interruptReason: RestartReason | undefined;
  private stats = { relists: 0, watchRestarts: 0, consecutiveFailures: 0 };
  private lastEventTime: number | undefined;
  private lastListTime: number | undefined;
  private lastError: string | undefined;
  /** 410s in a row without a watch event in between; backs off the relists they cause. */
  private consecutiveGone = 0;
  private changes = 0;

  constructor(private readonly base: InformerOptions) {
    this.options = {
      relistIntervalMs: base.relistIntervalMs ?? 10 * 60_000,
      silenceTimeoutMs: base.silenceTimeoutMs ?? 5 * 60_000,
      watchTimeoutSeconds: base.watchTimeoutSeconds ?? 300,
      backoffInitialMs: base.backoffInitialMs ?? 250,
      backoffMaxMs: base.backoffMaxMs ?? 30_000,
      pageSize: base.pageSize ?? 500,
    };
    this.transform = base.transform ?? ((object) => object);
  }

  on(handler: InformerHandler): void {
    this.handlers.push(handler);
  }

  start(): void {
    this.running ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopSignal.abort();
    this.interrupt('stopped');
    await this.running;
  }

  hasSynced(): boolean {
    return this.synced;
  }

  list(): KubeObject[] {
    return [...this.cache.values()];
  }

  get(key: string): KubeObject | undefined {
    return this.cache.get(key);
  }

  /**
   * A number that increases whenever the cache's contents change (an add, update or delete, or a relist that
   * changed any object or their order) and only then: what a reader derived from list() is current while it
   * has not moved. Handlers already see the new revision.
   */
  revision(): number {
    return this.changes;
  }

  getStats(): InformerStats {
    return {
      path: this.base.path,
      synced: this.synced,
      objects: this.cache.size,
      resourceVersion: this.resourceVersion,
      watching: this.watchAbort !== undefined,
      lastEventTime: this.lastEventTime,
      lastListTime: this.lastListTime,
      relists: this.stats.relists,
      watchRestarts: this.stats.watchRestarts,
      consecutiveFailures: this.stats.consecutiveFailures,
      lastError: this.lastError,
    };
  }

  private async run(): Promise<void> {
    const { logger, clock, path } = this.base;
    let needRelist = true;
    while (!this.stopped) {
      try {
        if (needRelist) {
          const release = this.base.attend?.();
          try {
            await this.relist();
          } finally {
            release?.();
          }
          needRelist = false;
        }
        const watchStarted = clock.now();
        await this.watchOnce();
        this.stats.consecutiveFailures = 0;
        // A server or proxy that ends every watch at once must not turn this loop into a busy loop.
        if (clock.now() - watchStarted < 1_000)
          await sleep(clock, this.options.backoffInitialMs, this.stopSignal.signal);
      } catch (error) {
        if (this.stopped) break;
        const gone = isStatus(error, 410) || (error instanceof WatchInterrupted && error.reason === 'gone');
        if (error instanceof WatchInterrupted || gone) {
          needRelist = true;
          this.stats.watchRestarts++;
          logger.info(
            { path, reason: gone ? 'gone' : (error as WatchInterrupted).reason },
            'restarting watch with a relist',
          );
          // One 410 is routine; a server that keeps answering 410 must not get a tight loop of full lists.
          if (gone && ++this.consecutiveGone > 1) {
            const delay = Math.min(
              this.options.backoffMaxMs,
              this.options.backoffInitialMs * 2 ** (this.consecutiveGone - 2),
            );
            await sleep(clock, delay, this.stopSignal.signal);
          }
          continue;
        }
        this.stats.consecutiveFailures++;
        this.stats.watchRestarts++;
        this.lastError = error instanceof Error ? error.message : String(error);
        const delay = Math.min(
          this.options.backoffMaxMs,
          this.options.backoffInitialMs * 2 ** (this.stats.consecutiveFailures - 1),
        );
        logger.warn(
          { path, err: this.lastError, failures: this.stats.consecutiveFailures, retryInMs: delay },
          'list/watch failed; retrying',
        );
        await sleep(clock, delay, this.stopSignal.signal);
      }
    }
  }

  /** Paged list that replaces the cache and emits only the differences. */
  private async relist(): Promise<void> {
    const fresh = new Map<string, KubeObject>();
    let continueToken: string | undefined;
    let listVersion: string | undefined;
    do {
      const raw = await this.base.rest.request({
        method: 'GET',
        path: this.base.path,
        query: { limit: this.options.pageSize, continue: continueToken },
        signal: this.stopSignal.signal,
      });
      const page = listSchema.parse(raw);
      for (const item of page.items) {
        const parsed = asKubeObject(item);
        if (parsed) {
          const key = keyOf(parsed);
          // An object at the resourceVersion the cache holds is the same object: keeping the cached one keeps
          // what readers derived from it by identity (workload-pods.ts' refs), and a periodic relist stays cheap.
          const known = this.cache.get(key);
          const version = parsed.metadata.resourceVersion;
          fresh.set(
            key,
            known && version !== undefined && known.metadata.resourceVersion === version
              ? known
              : this.transform(parsed),
          );
          continue;
        }
        // An item that does not parse is not a deletion: keep what the cache knew of it.
        const meta = (item as { metadata?: { name?: unknown; namespace?: unknown } } | null)?.metadata;
        const key =
          typeof meta?.name === 'string'
            ? objectKey(typeof meta.namespace === 'string' ? meta.namespace : undefined, meta.name)
            : undefined;
        const known = key ? this.cache.get(key) : undefined;
        if (known && key) fresh.set(key, known);
        this.base.logger.warn(
          { path: this.base.path, object: key },
          'ignoring a listed object that does not parse',
        );
      }
      continueToken = page.metadata.continue || undefined;
      listVersion = page.metadata.resourceVersion;
    } while (continueToken);

    const old = new Map(this.cache);
    this.cache.clear();
    for (const [key, object] of fresh) this.cache.set(key, object);
    if (changedOrReordered(old, fresh)) this.changes++;
    this.resourceVersion = listVersion;
    this.synced = true;
    this.stats.relists++;
    this.stats.consecutiveFailures = 0;
    this.lastListTime = this.base.clock.now();
    this.lastEventTime = this.lastListTime;
    for (const [key, object] of fresh) {
      const before = old.get(key);
      if (!before) this.emit('add', object);
      else if (before.metadata.resourceVersion !== object.metadata.resourceVersion)
        this.emit('update', object, before);
    }
    for (const [key, object] of old) {
      if (!fresh.has(key)) this.emit('delete', object, object);
    }
  }

  private async watchOnce(): Promise<void> {
    const { clock } = this.base;
    const abort = new AbortController();
    this.watchAbort = abort;
    this.interruptReason = undefined;
    this.lastEventTime = clock.now();
    const shortest = Math.min(this.options.silenceTimeoutMs, this.options.relistIntervalMs);
    // A quarter of the shorter deadline, at most every 30 s: with the defaults (5 m, 1 h) a silent watch is replaced
    // within 5.5 minutes, and an idle engine does not wake every few seconds for each of its watches.
    const checkEvery = Math.max(50, Math.min(shortest / 4, 30_000));
    let cancelWatchdog: () => void = () => {};
    const watchdog = () => {
      const now = clock.now();
      if (now - (this.lastEventTime ?? now) > this.options.silenceTimeoutMs) this.interrupt('silent');
      else if (now - (this.lastListTime ?? now) > this.options.relistIntervalMs) this.interrupt('relist-due');
      else cancelWatchdog = clock.schedule(watchdog, checkEvery);
    };
    cancelWatchdog = clock.schedule(watchdog, checkEvery);
    try {
      await this.base.rest.stream(
        {
          method: 'GET',
          path: this.base.path,
          query: {
            watch: 1,
            resourceVersion: this.resourceVersion,
            allowWatchBookmarks: true,
            timeoutSeconds: this.options.watchTimeoutSeconds,
          },
          signal: abort.signal,
        },
        (value) => this.onWatchEvent(value),
        () => {
          this.stats.consecutiveFailures = 0;
        },
      );
    } catch (error) {
      if (this.interruptReason) throw new WatchInterrupted(this.interruptReason);
      throw error;
    } finally {
      cancelWatchdog();
      this.watchAbort = undefined;
    }
    if (this.interruptReason) throw new WatchInterrupted(this.interruptReason);
  }

  private onWatchEvent(value: unknown): void {
    if (this.interruptReason) return;
    const event = watchEventSchema.safeParse(value);
    if (!event.success) return;
    this.lastEventTime = this.base.clock.now();
    const { type, object } = event.data;
    if (type === 'ERROR') {
      const code = (object as { code?: unknown } | null)?.code;
      this.lastError = `watch ERROR event ${JSON.stringify(object)}`;
      // 410 means our resourceVersion is gone from the server's history; any other error also warrants a relist.
      this.interrupt(code === 410 ? 'gone' : 'relist-due');
      return;
    }
    this.consecutiveGone = 0;
    if (type === 'BOOKMARK') {
      // A bookmark carries only metadata.resourceVersion (no name, creationTimestamp null): read just that, so a
      // quiet resource resumes its next watch from a recent point instead of an expired one.
      const rv = (object as { metadata?: { resourceVersion?: unknown } } | null)?.metadata?.resourceVersion;
      if (typeof rv === 'string' && rv !== '') this.resourceVersion = rv;
      return;
    }
    const parsed = asKubeObject(object);
    if (!parsed) {
      this.base.logger.warn(
        { path: this.base.path, type },
        'ignoring a watch event whose object does not parse',
      );
      return;
    }
    const obj = this.transform(parsed);
    if (obj.metadata.resourceVersion) this.resourceVersion = obj.metadata.resourceVersion;
    const key = keyOf(obj);
    const before = this.cache.get(key);
    if (type === 'DELETED') {
      if (this.cache.delete(key)) this.changes++;
      this.emit('delete', obj, before);
      return;
    }
    this.cache.set(key, obj);
    this.changes++;
    this.emit(before ? 'update' : 'add', obj, before);
  }

  private interrupt(reason: RestartReason): void {
    if (!this.watchAbort || this.interruptReason) return;
    this.interruptReason = reason;
    this.watchAbort.abort();
  }

  private emit(type: InformerEventType, object: KubeObject, previous?: KubeObject): void {
    for (const handler of this.handlers) {
      try {
        handler(type, object, previous);
      } catch (error) {
        this.base.logger.error({ path: this.base.path, err: String(error) }, 'informer handler threw');
      }
    }
  }
}

/**
 * Whether a relist changed the cache: an object added, removed or at another resourceVersion, or the same objects
 * in another order (list() keeps the cache's order, and readers such as workload-pods.ts follow it).
 */
function changedOrReordered(old: Map<string, KubeObject>, fresh: Map<string, KubeObject>): boolean {
  if (old.size !== fresh.size) return true;
  const before = old.entries();
  for (const [key, object] of fresh) {
    const [oldKey, oldObject] = before.next().value as [string, KubeObject];
    if (oldKey !== key || oldObject.metadata.resourceVersion !== object.metadata.resourceVersion) return true;
  }
  return false;
}

export function keyOf(object: KubeObject): string {
  return objectKey(object.metadata.namespace, object.metadata.name);
}
