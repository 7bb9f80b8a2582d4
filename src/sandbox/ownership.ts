import { isJsonObject, type JsonObject, type JsonValue } from '../json/json-value.js';
import type { ObjectStore } from './object-store.js';
import type { ResourceRegistry } from './resource-registry.js';
import type { ResourceType } from './resource-type.js';
import type { Locations } from './store-indexes.js';

/**
 * ownerReferences queries for the garbage collector: who depends on an object, and who owns a uid. They read
 * the store's indexes, so their cost follows the number of dependents, not the number of stored objects.
 */
const meta = (o: JsonObject): JsonObject => (isJsonObject(o.metadata) ? o.metadata : {});

/** Orphan propagation: dependents lose their reference to the deleted owner and stay. */
export function orphanDependents(store: ObjectStore, registry: ResourceRegistry, uid: string): void {
  for (const dep of dependentsOf(store, registry, uid)) {
    const m = meta(dep.object);
    const refs = (m.ownerReferences as JsonValue[]).filter((ref) => !(isJsonObject(ref) && ref.uid === uid));
    if (refs.length > 0) m.ownerReferences = refs;
    else delete m.ownerReferences;
    store.put(dep.type.storageKey, dep.object, 'MODIFIED');
  }
}

/** The first served type of each storage key, in registry order (core and events.k8s.io share Events). */
function typesByStorageKey(registry: ResourceRegistry): Map<string, ResourceType> {
  const types = new Map<string, ResourceType>();
  for (const t of registry.all()) if (!types.has(t.storageKey)) types.set(t.storageKey, t);
  return types;
}

/**
 * The locations that belong to a served type, types in registry order and keys in key order within a type
 * (the order a scan of every type's list would find them in). A snapshot: safe to mutate the store after.
 */
export function servedLocations(
  registry: ResourceRegistry,
  locations: Locations,
): Array<{ type: ResourceType; key: string }> {
  const found: Array<{ type: ResourceType; key: string }> = [];
  if (locations.size === 0) return found;
  for (const [storageKey, type] of typesByStorageKey(registry)) {
    const keys = locations.get(storageKey);
    if (keys) for (const key of [...keys].sort()) found.push({ type, key });
  }
  return found;
}

/** Objects whose ownerReferences name `uid`, across every served resource, as copies. */
export function dependentsOf(
  store: ObjectStore,
  registry: ResourceRegistry,
  uid: string,
): Array<{ type: ResourceType; object: JsonObject }> {
  return servedLocations(registry, store.dependentsOf(uid)).flatMap(({ type, key }) => {
    const object = store.getByKey(type.storageKey, key);
    return object ? [{ type, object }] : [];
  });
}

export function hasDependents(store: ObjectStore, registry: ResourceRegistry, uid: string): boolean {
  return inServedType(registry, store.dependentsOf(uid));
}

/** Is an object with this uid stored under a served resource? */
export function uidExists(store: ObjectStore, registry: ResourceRegistry, uid: string): boolean {
  return inServedType(registry, store.locateUid(uid));
}

function inServedType(registry: ResourceRegistry, locations: Locations): boolean {
  if (locations.size === 0) return false;
  return registry.all().some((t) => locations.has(t.storageKey));
}
