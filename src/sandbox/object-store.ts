import { isJsonObject, type JsonObject } from '../json/json-value.js';
import { gone } from './api-error.js';

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
 */
export class ObjectStore {
  private revision = 1;
  private readonly data = new Map<string, Map<string, JsonObject>>();
  private history: StoreEvent[] = [];
  private compactedRevision = 0;
  private readonly listeners = new Set<(event: StoreEvent) => void>();

  constructor(private readonly historyLimit = 50_000) {}

  get resourceVersion(): number {
    return this.revision;
  }

  /** The oldest resourceVersion a watch may still start from. */
  get compactedResourceVersion(): number {
    return this.compactedRevision;
  }

  get(storageKey: string, namespace: string | undefined, name: string): JsonObject | undefined {
    const found = this.data.get(storageKey)?.get(objectKey(namespace, name));
    return found ? structuredClone(found) : undefined;
  }

  /** Objects sorted by namespace/name: the order list pagination relies on. */
  list(storageKey: string, namespace?: string): JsonObject[] {
    const bucket = this.data.get(storageKey);
    if (!bucket) return [];
    const prefix = namespace ? `${namespace}/` : undefined;
    return [...bucket.entries()]
      .filter(([key]) => prefix === undefined || key.startsWith(prefix))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, obj]) => structuredClone(obj));
  }

  /** Every storage key that holds objects (for namespace cleanup and garbage collection). */
  storageKeys(): string[] {
    return [...this.data.keys()];
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
    meta.resourceVersion = String(++this.revision);
    const stored = structuredClone(obj);
    bucket.set(key, stored);
    this.record({ resourceVersion: this.revision, storageKey, type, object: stored, previous });
    return structuredClone(stored);
  }

  remove(storageKey: string, namespace: string | undefined, name: string): JsonObject | undefined {
    const bucket = this.data.get(storageKey);
    const key = objectKey(namespace, name);
    const existing = bucket?.get(key);
    if (!bucket || !existing) return undefined;
    bucket.delete(key);
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
    return this.history.filter((e) => e.resourceVersion > resourceVersion && e.storageKey === storageKey);
  }

  subscribe(listener: (event: StoreEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Forget all history up to now: any watch from an older resourceVersion now gets 410 Gone. */
  compact(): void {
    this.compactedRevision = this.revision;
    this.history = [];
  }

  private record(event: StoreEvent): void {
    this.history.push(event);
    if (this.history.length > this.historyLimit) {
      const dropped = this.history.splice(0, this.history.length - this.historyLimit);
      this.compactedRevision = dropped[dropped.length - 1]?.resourceVersion ?? this.compactedRevision;
    }
    for (const listener of this.listeners) listener(event);
  }
}
