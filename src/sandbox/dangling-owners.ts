import { isJsonObject, type JsonObject } from '../json/json-value.js';
import type { ObjectStore } from './object-store.js';
import type { ResourceRegistry } from './resource-registry.js';
import { apiVersionOf } from './resource-type.js';

/**
 * True when an object names owners and none of them exists any more (the garbage collector's "dangling" owner
 * references): looked up by the reference's coordinates and checked by uid, as kube-controller-manager's garbage
 * collector does, so the cost does not depend on how many objects are stored.
 */
export function ownersAllGone(
  store: ObjectStore,
  registry: ResourceRegistry,
  object: JsonObject,
  namespace: string | undefined,
): boolean {
  const meta = isJsonObject(object.metadata) ? object.metadata : {};
  const refs = Array.isArray(meta.ownerReferences) ? meta.ownerReferences.filter(isJsonObject) : [];
  if (refs.length === 0) return false;
  return refs.every((ref) => {
    const type = registry
      .all()
      .find(
        (t) => t.kind === ref.kind && t.versions.some((v) => apiVersionOf(t.group, v) === ref.apiVersion),
      );
    // An owner of a kind this server does not know cannot be judged: keep the object.
    if (!type || typeof ref.name !== 'string') return false;
    const owner = store.get(type.storageKey, type.namespaced ? namespace : undefined, ref.name);
    const ownerMeta = owner && isJsonObject(owner.metadata) ? owner.metadata : undefined;
    return ownerMeta === undefined || ownerMeta.uid !== ref.uid;
  });
}
