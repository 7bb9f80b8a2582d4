import { isJsonObject, type JsonObject } from '../json/json-value.js';
import { gone } from './api-error.js';
import { type Locations, StoreIndexes } from './store-indexes.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  resourceVersion: number;
  storageKey: string;
  type: WatchEventType;
  object: JsonObject;
  /** The object before a MODIFIED event, so watchers can turn selector transitions into ADDED/DELETED. */
  previous?: JsonObject;
}

export function objectKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

function metadataOf(obj: JsonObject): JsonObject {
  if (!isJsonObject(obj.metadata)) obj.metadata = {};
  return obj.metadata as JsonObject;
}

/**
 * In-memory storage with one monotonic resourceVersion counter for every resource, like etcd's revision.
 * It keeps a bounded history of changes so watches can resume from a resourceVersion; a resourceVersion older
 * than the history (after `compact()` or overflow) is answered with 410 Gone, as a real apiserver does.
 *
 * A write costs the same however many objects are stored: ownership and foreground deletion are indexed
 * (see StoreIndexes), history is trimmed in chunks, and the sorted key order lists need is rebuilt lazily.
 */
export class ObjectStore {
  private revision = 1;
  private readonly data = new Map<string, Map<string, JsonObject>>();
  /** Keys of a bucket in list order; dropped when a key is added or removed, rebuilt by the next list. */
  private readonly sortedKeys = new Map<string, string[]>();
  private readonly indexes = new StoreIndexes();
  /** history[historyStart..] is the retained history, resourceVersions ascending. */
  private history: StoreEvent[] = [];
  private historyStart = 0;
  private compactedRevision = 0;
  private readonly listeners = new Set<(event: StoreEvent) => void>();
  /** Stored objects read (copied or handed out) so far: lets tests check what a write visits. */
  objectsRead = 0;

  constructor(private readonly historyLimit = 50_000) {}

  get resourceVersion(): number {
    return this.revision;
  }

  /** The oldest resourceVersion a watch may still start from. */
  get compactedResourceVersion(): number {
    return this.compactedRevision;
  }

  get(storageKey: string, namespace: string | undefined, name: string): JsonObject | undefined {
    return this.getByKey(storageKey, objectKey(namespace, name));
  }

  /** Like `get`, by the key the indexes report (`namespace/name`, or `name` when cluster-scoped). */
  getByKey(storageKey: string, key: string): JsonObject | undefined {
    const found = this.data.get(storageKey)?.get(key);
    if (!found) return undefined;
    this.objectsRead++;
    return structuredClone(found);
  }

  has(storageKey: string, namespace: string | undefined, name: string): boolean {
    return this.data.get(storageKey)?.has(objectKey(namespace, name)) ?? false;
  }

  /** Objects sorted by namespace/name: the order list pagination relies on. */
  list(storageKey: string, namespace?: string): JsonObject[] {
    return this.scan(storageKey, namespace).map((obj) => structuredClone(obj));
  }

  /**
   * The stored objects themselves, in list order, without copying: for readers that convert or serialise
   * them at once. Never mutate what this returns.
   */
  scan(storageKey: string, namespace?: string): JsonObject[] {
    const bucket = this.data.get(storageKey);
    if (!bucket) return [];
    const keys = this.keysInOrder(storageKey, bucket);
    let from = 0;
    let to = keys.length;
    if (namespace) {
      // Keys sharing the `namespace/` prefix are contiguous in sorted order.
      const prefix = `${namespace}/`;
      from = lowerBound(keys, prefix);
      to = from;
      while (to < keys.length && (keys[to] as string).startsWith(prefix)) to++;
    }
    const out: JsonObject[] = [];
    for (let i = from; i < to; i++) out.push(bucket.get(keys[i] as string) as JsonObject);
    this.objectsRead += out.length;
    return out;
  }

  /** Every storage key that holds objects (for namespace cleanup and garbage collection). */
  storageKeys(): string[] {
    return [...this.data.keys()];
  }

  /** Where the objects whose ownerReferences name `ownerUid` are stored. */
  dependentsOf(ownerUid: string): Locations {
    return this.indexes.dependentsOf(ownerUid);
  }

  /** Where the object with this metadata.uid is stored. */
  locateUid(uid: string): Locations {
    return this.indexes.withUid(uid);
  }

  /** Objects with a deletionTimestamp and the `foregroundDeletion` finalizer. */
  foregroundPending(): Locations {
    return this.indexes.foregroundPending();
  }

  /** Index sizes, for tests that check nothing leaks. */
  get indexSizes(): { owners: number; uids: number } {
    return { owners: this.indexes.ownerCount, uids: this.indexes.uidCount };
  }

  put(storageKey: string, obj: JsonObject, type: 'ADDED' | 'MODIFIED'): JsonObject {
    const meta = metadataOf(obj);
    const key = objectKey(meta.namespace as string | undefined, meta.name as string);
    let bucket = this.data.get(storageKey);
    if (!bucket) {
      bucket = new Map();
      this.data.set(storageKey, bucket);
    }
    const previous = bucket.get(key);
    if (!previous) this.sortedKeys.delete(storageKey);
    meta.resourceVersion = String(++this.revision);
    const stored = structuredClone(obj);
    bucket.set(key, stored);
    this.indexes.replace(storageKey, key, previous, stored);
    this.record({ resourceVersion: this.revision, storageKey, type, object: stored, previous });
    return structuredClone(stored);
  }

  remove(storageKey: string, namespace: string | undefined, name: string): JsonObject | undefined {
    const bucket = this.data.get(storageKey);
    const key = objectKey(namespace, name);
    const existing = bucket?.get(key);
    if (!bucket || !existing) return undefined;
    bucket.delete(key);
    this.sortedKeys.delete(storageKey);
    this.indexes.replace(storageKey, key, existing, undefined);
    const deleted = structuredClone(existing);
    metadataOf(deleted).resourceVersion = String(++this.revision);
    this.record({
      resourceVersion: this.revision,
      storageKey,
      type: 'DELETED',
      object: deleted,
      previous: existing,
    });
    return structuredClone(deleted);
  }

  /** Changes after `resourceVersion`, oldest first; throws 410 when that point is no longer in history. */
  changesSince(resourceVersion: number, storageKey: string): StoreEvent[] {
    if (resourceVersion < this.compactedRevision) {
      throw gone(`too old resource version: ${resourceVersion} (${this.compactedRevision})`);
    }
    const history = this.history;
    let lo = this.historyStart;
    let hi = history.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((history[mid] as StoreEvent).resourceVersion <= resourceVersion) lo = mid + 1;
      else hi = mid;
    }
    const out: StoreEvent[] = [];
    for (let i = lo; i < history.length; i++) {
      const event = history[i] as StoreEvent;
      if (event.storageKey === storageKey) out.push(event);
    }
    return out;
  }

  subscribe(listener: (event: StoreEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Forget all history up to now: any watch from an older resourceVersion now gets 410 Gone. */
  compact(): void {
    this.compactedRevision = this.revision;
    this.history = [];
    this.historyStart = 0;
  }

  private keysInOrder(storageKey: string, bucket: Map<string, JsonObject>): string[] {
    let keys = this.sortedKeys.get(storageKey);
    if (!keys) {
      // Default sort order is UTF-16 code unit order, the same as comparing keys with `<`.
      keys = [...bucket.keys()].sort();
      this.sortedKeys.set(storageKey, keys);
    }
    return keys;
  }

  private record(event: StoreEvent): void {
    this.history.push(event);
    const excess = this.history.length - this.historyStart - this.historyLimit;
    if (excess > 0) {
      this.historyStart += excess;
      this.compactedRevision = (this.history[this.historyStart - 1] as StoreEvent).resourceVersion;
      // Drop the forgotten prefix in chunks, so trimming costs O(1) per write on average.
      if (this.historyStart >= Math.max(1, this.historyLimit >> 3)) {
        this.history = this.history.slice(this.historyStart);
        this.historyStart = 0;
      }
    }
    for (const listener of this.listeners) listener(event);
  }
}

/** First index whose key is >= `target` in an ascending array. */
function lowerBound(keys: string[], target: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((keys[mid] as string) < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
