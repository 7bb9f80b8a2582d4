import { isJsonObject, type JsonObject } from '../json/json-value.js';

/** Where objects live: storage key → object keys (namespace/name). */
export type Locations = ReadonlyMap<string, ReadonlySet<string>>;

/** index key → storage key → object keys; empty entries are dropped so sizes stay honest. */
class LocationIndex {
  private readonly entries = new Map<string, Map<string, Set<string>>>();

  add(indexKey: string, storageKey: string, key: string): void {
    let byStorage = this.entries.get(indexKey);
    if (!byStorage) {
      byStorage = new Map();
      this.entries.set(indexKey, byStorage);
    }
    let keys = byStorage.get(storageKey);
    if (!keys) {
      keys = new Set();
      byStorage.set(storageKey, keys);
    }
    keys.add(key);
  }

  delete(indexKey: string, storageKey: string, key: string): void {
    const byStorage = this.entries.get(indexKey);
    const keys = byStorage?.get(storageKey);
    if (!byStorage || !keys) return;
    keys.delete(key);
    if (keys.size === 0) byStorage.delete(storageKey);
    if (byStorage.size === 0) this.entries.delete(indexKey);
  }

  get(indexKey: string): Locations | undefined {
    return this.entries.get(indexKey);
  }

  get size(): number {
    return this.entries.size;
  }
}

/** What the indexes need to know about one stored object. */
interface Facts {
  uid: string | undefined;
  ownerUids: string[];
  foregroundPending: boolean;
}

const NONE: Facts = { uid: undefined, ownerUids: [], foregroundPending: false };

function factsOf(obj: JsonObject | undefined): Facts {
  if (!obj) return NONE;
  const m = isJsonObject(obj.metadata) ? obj.metadata : {};
  const refs = Array.isArray(m.ownerReferences) ? m.ownerReferences : [];
  const finalizers = Array.isArray(m.finalizers) ? m.finalizers : [];
  return {
    uid: typeof m.uid === 'string' ? m.uid : undefined,
    ownerUids: refs.flatMap((ref) => (isJsonObject(ref) && typeof ref.uid === 'string' ? [ref.uid] : [])),
    foregroundPending: m.deletionTimestamp !== undefined && finalizers.includes('foregroundDeletion'),
  };
}

const PENDING = 'foregroundDeletion';

/**
 * Indexes the garbage collector needs so that a write costs the same however many objects are stored:
 * uid → where the object is, owner uid → its dependents (by ownerReferences), and the objects waiting in
 * foreground deletion (deletionTimestamp plus the `foregroundDeletion` finalizer).
 */
export class StoreIndexes {
  private readonly byUid = new LocationIndex();
  private readonly byOwner = new LocationIndex();
  private readonly foreground = new LocationIndex();

  /** Records that the object at storageKey/key changed from `before` to `after` (undefined: absent). */
  replace(
    storageKey: string,
    key: string,
    before: JsonObject | undefined,
    after: JsonObject | undefined,
  ): void {
    const old = factsOf(before);
    const next = factsOf(after);
    if (old.uid !== next.uid) {
      if (old.uid !== undefined) this.byUid.delete(old.uid, storageKey, key);
      if (next.uid !== undefined) this.byUid.add(next.uid, storageKey, key);
    }
    for (const uid of old.ownerUids) {
      if (!next.ownerUids.includes(uid)) this.byOwner.delete(uid, storageKey, key);
    }
    for (const uid of next.ownerUids) this.byOwner.add(uid, storageKey, key);
    if (old.foregroundPending && !next.foregroundPending) this.foreground.delete(PENDING, storageKey, key);
    if (next.foregroundPending) this.foreground.add(PENDING, storageKey, key);
  }

  /** Objects whose ownerReferences name `uid`. */
  dependentsOf(uid: string): Locations {
    return this.byOwner.get(uid) ?? EMPTY;
  }

  /** Objects whose metadata.uid is `uid` (one, unless someone stored copies). */
  withUid(uid: string): Locations {
    return this.byUid.get(uid) ?? EMPTY;
  }

  foregroundPending(): Locations {
    return this.foreground.get(PENDING) ?? EMPTY;
  }

  /** How many distinct owners have dependents (for tests: the index must not leak entries). */
  get ownerCount(): number {
    return this.byOwner.size;
  }

  get uidCount(): number {
    return this.byUid.size;
  }
}

const EMPTY: Locations = new Map();
