import { isJsonObject, type JsonObject, type JsonValue } from '../json/json-value.js';
import type { ObjectStore } from './object-store.js';
import type { ResourceRegistry } from './resource-registry.js';
import type { ResourceType } from './resource-type.js';

/** ownerReferences queries for the garbage collector: who depends on an object, and who owns a uid. */
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

function uniqueTypes(registry: ResourceRegistry): ResourceType[] {
  const seen = new Set<string>();
  return registry.all().filter((t) => !seen.has(t.storageKey) && seen.add(t.storageKey));
}

/** Objects whose ownerReferences name `uid`, across every stored resource. */
export function dependentsOf(
  store: ObjectStore,
  registry: ResourceRegistry,
  uid: string,
): Array<{ type: ResourceType; object: JsonObject }> {
  const found: Array<{ type: ResourceType; object: JsonObject }> = [];
  for (const type of uniqueTypes(registry)) {
    for (const object of store.list(type.storageKey)) {
      const refs = meta(object).ownerReferences;
      if (Array.isArray(refs) && refs.some((ref) => isJsonObject(ref) && ref.uid === uid))
        found.push({ type, object });
    }
  }
  return found;
}

export function findByUid(
  store: ObjectStore,
  registry: ResourceRegistry,
  uid: string,
): JsonObject | undefined {
  for (const type of uniqueTypes(registry)) {
    const hit = store.list(type.storageKey).find((o) => meta(o).uid === uid);
    if (hit) return hit;
  }
  return undefined;
}
