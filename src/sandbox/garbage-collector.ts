import { isJsonObject, type JsonObject, type JsonValue } from '../json/json-value.js';
import { resourceTypeFromCrd } from './crd-resources.js';
import { finalizersOf, meta, str } from './object-meta.js';
import type { ObjectStore } from './object-store.js';
import { dependentsOf, hasDependents, servedLocations, uidExists } from './ownership.js';
import type { ResourceRegistry } from './resource-registry.js';
import type { DeleteOptions } from './resource-service.js';
import type { ResourceType } from './resource-type.js';

export function isCrd(type: ResourceType): boolean {
  return type.group === 'apiextensions.k8s.io' && type.plural === 'customresourcedefinitions';
}

type DeleteObject = (
  type: ResourceType,
  version: string,
  namespace: string | undefined,
  name: string,
  options: DeleteOptions,
) => unknown;

/**
 * What kube-controller-manager's garbage collector and namespace controller do, synchronously: dependents whose
 * owners are all gone are deleted, owners in foreground deletion go once their dependents have, a deleted CRD
 * takes its objects along, a deleted namespace its contents.
 */
export class GarbageCollector {
  constructor(
    private readonly store: ObjectStore,
    private readonly registry: ResourceRegistry,
    private readonly deleteObject: DeleteObject,
  ) {}

  afterRemoval(type: ResourceType, removed: JsonObject | undefined): void {
    if (!removed) return;
    if (isCrd(type)) {
      const crdType = resourceTypeFromCrd(removed);
      for (const cr of this.store.list(crdType.storageKey)) {
        this.store.remove(crdType.storageKey, str(meta(cr).namespace), String(meta(cr).name));
      }
      this.registry.remove(crdType.group, crdType.plural);
    }
    // Garbage collection: dependents left with no live owner are deleted in the background.
    for (const dep of dependentsOf(this.store, this.registry, String(meta(removed).uid))) {
      const owners = Array.isArray(meta(dep.object).ownerReferences)
        ? (meta(dep.object).ownerReferences as JsonValue[])
        : [];
      const live = owners.some(
        (ref) =>
          isJsonObject(ref) &&
          ref.uid !== meta(removed).uid &&
          uidExists(this.store, this.registry, String(ref.uid)),
      );
      if (!live) this.deleteStored(dep.type, dep.object, 'Background');
    }
    this.finishForegroundDeletions();
  }

  deleteStored(type: ResourceType, object: JsonObject, policy: DeleteOptions['propagationPolicy']): void {
    const m = meta(object);
    if (!this.store.has(type.storageKey, str(m.namespace), String(m.name))) return;
    this.deleteObject(type, type.versions[0] as string, str(m.namespace), String(m.name), {
      propagationPolicy: policy,
    });
  }

  /**
   * An owner in foreground deletion goes away once no dependent is left. Only the indexed pending owners are
   * visited, each re-read before acting: the cascades of earlier ones may have changed or removed it.
   */
  finishForegroundDeletions(): void {
    const pending = this.store.foregroundPending();
    if (pending.size === 0) return;
    for (const { type, key } of servedLocations(this.registry, pending)) {
      const object = this.store.getByKey(type.storageKey, key);
      if (!object) continue;
      const m = meta(object);
      if (m.deletionTimestamp === undefined || !finalizersOf(object).includes('foregroundDeletion')) continue;
      if (hasDependents(this.store, this.registry, String(m.uid))) continue;
      m.finalizers = finalizersOf(object).filter((f) => f !== 'foregroundDeletion');
      if ((m.finalizers as string[]).length > 0) this.store.put(type.storageKey, object, 'MODIFIED');
      else this.afterRemoval(type, this.store.remove(type.storageKey, str(m.namespace), String(m.name)));
    }
  }

  deleteNamespaceContents(namespace: string): void {
    for (const type of this.registry.all()) {
      if (!type.namespaced || type.codecs) continue;
      for (const object of this.store.list(type.storageKey, namespace))
        this.deleteStored(type, object, 'Background');
    }
  }
}
