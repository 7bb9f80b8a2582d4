import { randomBytes, randomUUID } from 'node:crypto';
import { deepEqual, type JsonObject, type JsonValue } from '../json/json-value.js';
import { admit, type FieldValidation } from './admission.js';
import {
  ApiError,
  alreadyExists,
  badRequest,
  conflict,
  invalid,
  notFound,
  STALE_OBJECT,
} from './api-error.js';
import { establishedStatus, resourceTypeFromCrd, validateCrd } from './crd-resources.js';
import { ownersAllGone } from './dangling-owners.js';
import { GarbageCollector, isCrd } from './garbage-collector.js';
import { gracefulDeletion } from './graceful-deletion.js';
import { finalizersOf, meta, str } from './object-meta.js';
import type { ObjectStore } from './object-store.js';
import { dependentsOf, hasDependents, orphanDependents } from './ownership.js';
import { applyPatch, type PatchType, parseApplyBody } from './patch.js';
import type { ResourceRegistry } from './resource-registry.js';
import { apiVersionOf, type ResourceType } from './resource-type.js';

export interface WriteOptions {
  dryRun?: boolean;
  fieldValidation?: FieldValidation;
}

export interface WriteResult {
  object: JsonObject;
  warnings: string[];
  created?: boolean;
}

export interface DeleteOptions {
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
  /** Pods only: how long the kubelet gets to stop the containers (default: the pod's own setting). */
  gracePeriodSeconds?: number;
}

export type Subresource = 'status' | undefined;

/** utilrand.String(5): the apiserver's generateName suffix, from an alphabet without vowels or look-alikes. */
function randomSuffix(): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  let out = '';
  for (const byte of randomBytes(5)) out += alphabet[byte % alphabet.length];
  return out;
}

/** RFC 3339 without fractional seconds, the way metav1.Time serialises. */
export function kubeTime(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

/**
 * The storage semantics of the apiserver for every resource: metadata bookkeeping, optimistic concurrency,
 * generation, the status subresource, finalizers and cascading deletion. It speaks objects, not HTTP.
 */
export class ResourceService {
  private readonly gc: GarbageCollector;

  constructor(
    private readonly store: ObjectStore,
    private readonly registry: ResourceRegistry,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.gc = new GarbageCollector(store, registry, (type, version, namespace, name, options) =>
      this.delete(type, version, namespace, name, options),
    );
  }

  toExternal(type: ResourceType, version: string, stored: JsonObject): JsonObject {
    const codec = type.codecs?.[version];
    const out = codec ? codec.toExternal(stored) : structuredClone(stored);
    out.apiVersion = apiVersionOf(type.group, version);
    out.kind = type.kind;
    return out;
  }

  /**
   * The served shape for reading only (watch events): a shallow copy sharing nested values with `stored`,
   * so a write fanned out to several watches is not deep-copied for each. Never mutate what this returns.
   */
  externalView(type: ResourceType, version: string, stored: JsonObject): JsonObject {
    const codec = type.codecs?.[version];
    const out = codec ? codec.toExternal(stored) : { ...stored };
    out.apiVersion = apiVersionOf(type.group, version);
    out.kind = type.kind;
    return out;
  }

  private toStorage(type: ResourceType, version: string, external: JsonObject): JsonObject {
    const codec = type.codecs?.[version];
    return codec ? codec.toStorage(external) : external;
  }

  get(type: ResourceType, version: string, namespace: string | undefined, name: string): JsonObject {
    const stored = this.store.get(type.storageKey, namespace, name);
    if (!stored) throw notFound(type.plural, type.group, name);
    return this.toExternal(type, version, stored);
  }

  private checkBody(
    type: ResourceType,
    version: string,
    namespace: string | undefined,
    body: JsonObject,
  ): void {
    const expected = apiVersionOf(type.group, version);
    if (body.apiVersion !== undefined && body.apiVersion !== expected) {
      throw badRequest(
        `the API version in the data (${String(body.apiVersion)}) does not match the expected API version (${expected})`,
      );
    }
    if (body.kind !== undefined && body.kind !== type.kind) {
      throw badRequest(
        `the kind in the data (${String(body.kind)}) does not match the expected kind (${type.kind})`,
      );
    }
    const bodyNamespace = str(meta(body).namespace);
    if (type.namespaced && bodyNamespace && namespace && bodyNamespace !== namespace) {
      throw badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
  }

  create(
    type: ResourceType,
    version: string,
    namespace: string | undefined,
    input: JsonObject,
    options: WriteOptions = {},
  ): WriteResult {
    this.checkBody(type, version, namespace, input);
    const body = structuredClone(input);
    const metadata = meta(body);
    if (!str(metadata.name) && str(metadata.generateName)) {
      metadata.name = `${metadata.generateName}${randomSuffix()}`;
    }
    if (type.namespaced) {
      if (!namespace) throw badRequest('the namespace of the object must be set');
      metadata.namespace = namespace;
      if (!this.store.has('namespaces', undefined, namespace)) throw notFound('namespaces', '', namespace);
    } else {
      delete metadata.namespace;
    }
    // Status is owned by controllers: a create through the main resource cannot set it.
    if (type.statusSubresource) delete body.status;
    for (const key of [
      'uid',
      'resourceVersion',
      'deletionTimestamp',
      'deletionGracePeriodSeconds',
      'selfLink',
    ])
      delete metadata[key];
    const { object, warnings } = admit(type, version, body, options.fieldValidation ?? 'Ignore');
    const name = str(meta(object).name) as string;
    if (this.store.has(type.storageKey, namespace, name)) throw alreadyExists(type.plural, type.group, name);
    if (isCrd(type)) this.admitCrd(object);
    const m = meta(object);
    m.uid = randomUUID();
    m.creationTimestamp = kubeTime(this.clock());
    m.generation = 1;
    if (options.dryRun) return { object: this.toExternal(type, version, object), warnings, created: true };
    const stored = this.store.put(type.storageKey, this.toStorage(type, version, object), 'ADDED');
    if (isCrd(type)) this.registry.upsert(resourceTypeFromCrd(stored));
    // Created for an owner that is already gone (a controller acting on a stale cache): the garbage collector
    // deletes it right after, as kube-controller-manager's would.
    if (ownersAllGone(this.store, this.registry, stored, namespace)) {
      const uid = String(meta(stored).uid);
      setImmediate(() => {
        try {
          this.delete(type, version, namespace, String(meta(stored).name), { preconditions: { uid } });
        } catch {
          // Already gone, or replaced by another object of that name: nothing to collect.
        }
      });
    }
    return { object: this.toExternal(type, version, stored), warnings, created: true };
  }

  update(
    type: ResourceType,
    version: string,
    namespace: string | undefined,
    name: string,
    input: JsonObject,
    options: WriteOptions & { subresource?: Subresource; requireResourceVersion?: boolean } = {},
  ): WriteResult {
    this.checkBody(type, version, namespace, input);
    const storedOld = this.store.get(type.storageKey, namespace, name);
    if (!storedOld) throw notFound(type.plural, type.group, name);
    const old = this.toExternal(type, version, storedOld);
    const body = structuredClone(input);
    const bodyName = str(meta(body).name);
    if (bodyName !== undefined && bodyName !== name) {
      throw badRequest(`the name of the object (${bodyName}) does not match the name on the URL (${name})`);
    }
    const bodyRv = str(meta(body).resourceVersion);
    if (bodyRv === undefined || bodyRv === '') {
      if (!type.allowUnconditionalUpdate || options.requireResourceVersion) {
        throw invalid(type.kind, type.group, name, [
          {
            field: 'metadata.resourceVersion',
            reason: 'FieldValueInvalid',
            message: 'Invalid value: 0x0: must be specified for an update',
          },
        ]);
      }
    } else if (bodyRv !== meta(old).resourceVersion) {
      throw conflict(type.plural, type.group, name, STALE_OBJECT);
    }

    let next: JsonObject;
    if (options.subresource === 'status') {
      // A status write changes only status.
      next = structuredClone(old);
      if (body.status === undefined) delete next.status;
      else next.status = body.status;
    } else {
      next = body;
      // A main-resource write cannot change status when status is a subresource.
      if (type.statusSubresource) {
        if (old.status === undefined) delete next.status;
        else next.status = structuredClone(old.status);
      }
      const m = meta(next);
      const o = meta(old);
      for (const key of [
        'uid',
        'creationTimestamp',
        'deletionTimestamp',
        'deletionGracePeriodSeconds',
        'generation',
      ]) {
        if (o[key] === undefined) delete m[key];
        else m[key] = o[key] as JsonValue;
      }
      m.name = name;
      if (type.namespaced) m.namespace = namespace as string;
      if (o.deletionTimestamp !== undefined) {
        const added = finalizersOf(next).filter((f) => !finalizersOf(old).includes(f));
        if (added.length > 0) {
          throw invalid(type.kind, type.group, name, [
            {
              field: 'metadata.finalizers',
              reason: 'FieldValueForbidden',
              message: 'Forbidden: no new finalizers can be added if the object is being deleted',
            },
          ]);
        }
      }
    }
    meta(next).resourceVersion = meta(old).resourceVersion as string;
    const { object, warnings } = admit(type, version, next, options.fieldValidation ?? 'Ignore', old);
    if (isCrd(type)) this.admitCrd(object);
    if (this.specChanged(type, old, object)) meta(object).generation = Number(meta(old).generation ?? 1) + 1;
    // A write that changes nothing does not bump resourceVersion or notify watchers.
    if (deepEqual(object, old)) return { object: old, warnings };
    if (options.dryRun) return { object, warnings };
    if (
      meta(object).deletionTimestamp !== undefined &&
      finalizersOf(object).length === 0 &&
      !(Number(meta(object).deletionGracePeriodSeconds ?? 0) > 0)
    ) {
      const removed = this.store.remove(type.storageKey, namespace, name);
      this.gc.afterRemoval(type, removed);
      return { object: this.toExternal(type, version, removed ?? object), warnings };
    }
    const stored = this.store.put(type.storageKey, this.toStorage(type, version, object), 'MODIFIED');
    if (isCrd(type)) this.registry.upsert(resourceTypeFromCrd(stored));
    this.gc.finishForegroundDeletions();
    return { object: this.toExternal(type, version, stored), warnings };
  }

  patch(
    type: ResourceType,
    version: string,
    namespace: string | undefined,
    name: string,
    raw: string,
    patchType: PatchType,
    options: WriteOptions & { subresource?: Subresource; fieldManager?: string } = {},
  ): WriteResult {
    if (patchType === 'strategic' && !type.supportsStrategicMerge) {
      throw new ApiError(
        415,
        'UnsupportedMediaType',
        'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
      );
    }
    if (patchType === 'apply' && !options.fieldManager) {
      throw invalid('PatchOptions', 'meta.k8s.io', '', [
        {
          field: 'fieldManager',
          reason: 'FieldValueRequired',
          message: 'Required value: is required for apply patch',
        },
      ]);
    }
    const stored = this.store.get(type.storageKey, namespace, name);
    if (!stored) {
      if (patchType === 'apply' && options.subresource === undefined) {
        return this.create(type, version, namespace, parseApplyBody(raw), options);
      }
      throw notFound(type.plural, type.group, name);
    }
    const current = this.toExternal(type, version, stored);
    const patched = applyPatch(current, raw, patchType);
    if (str(meta(patched).resourceVersion) === undefined)
      meta(patched).resourceVersion = meta(current).resourceVersion as string;
    return this.update(type, version, namespace, name, patched, options);
  }

  delete(
    type: ResourceType,
    version: string,
    namespace: string | undefined,
    name: string,
    options: DeleteOptions = {},
  ): JsonObject {
    const stored = this.store.get(type.storageKey, namespace, name);
    if (!stored) throw notFound(type.plural, type.group, name);
    const m = meta(stored);
    const pre = options.preconditions;
    if (pre?.uid && pre.uid !== m.uid) {
      throw conflict(
        type.plural,
        type.group,
        name,
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${String(m.uid)}`,
      );
    }
    if (pre?.resourceVersion && pre.resourceVersion !== m.resourceVersion) {
      throw conflict(
        type.plural,
        type.group,
        name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${String(m.resourceVersion)}`,
      );
    }
    if (options.dryRun) return this.toExternal(type, version, stored);
    // A running pod is only marked: its kubelet stops the containers, then deletes it with no grace period.
    const graceful = gracefulDeletion(
      type,
      stored,
      options.gracePeriodSeconds,
      this.clock(),
      (node) => this.store.get('nodes', undefined, node) !== undefined,
    );
    if (graceful) {
      if (graceful.changed) this.store.put(type.storageKey, graceful.object, 'MODIFIED');
      return this.toExternal(type, version, this.store.get(type.storageKey, namespace, name) ?? stored);
    }
    const policy = options.propagationPolicy ?? 'Background';
    if (policy === 'Orphan') orphanDependents(this.store, this.registry, String(m.uid));
    if (type.plural === 'namespaces' && type.group === '') this.gc.deleteNamespaceContents(name);

    const finalizers = finalizersOf(stored);
    if (policy === 'Foreground' && hasDependents(this.store, this.registry, String(m.uid)))
      finalizers.push('foregroundDeletion');
    if (finalizers.length > 0) {
      m.finalizers = [...new Set(finalizers)];
      if (m.deletionTimestamp === undefined) m.deletionTimestamp = kubeTime(this.clock());
      m.deletionGracePeriodSeconds = 0;
      const updated = this.store.put(type.storageKey, stored, 'MODIFIED');
      if (policy === 'Foreground') {
        for (const dep of dependentsOf(this.store, this.registry, String(m.uid)))
          this.gc.deleteStored(dep.type, dep.object, 'Foreground');
        this.gc.finishForegroundDeletions();
      }
      return this.toExternal(type, version, this.store.get(type.storageKey, namespace, name) ?? updated);
    }
    const removed = this.store.remove(type.storageKey, namespace, name);
    this.gc.afterRemoval(type, removed);
    return this.toExternal(type, version, removed ?? stored);
  }

  private admitCrd(crd: JsonObject): void {
    const causes = validateCrd(crd);
    if (causes.length > 0)
      throw invalid('CustomResourceDefinition', 'apiextensions.k8s.io', String(meta(crd).name ?? ''), causes);
    crd.status = establishedStatus(crd, kubeTime(this.clock()));
  }

  /** Generation counts changes to the desired state: everything but metadata (and status, where it is separate). */
  private specChanged(type: ResourceType, before: JsonObject, after: JsonObject): boolean {
    const strip = (o: JsonObject): JsonObject => {
      const { metadata: _m, status, apiVersion: _a, kind: _k, ...rest } = o;
      if (!type.statusSubresource && status !== undefined) rest.status = status;
      return rest;
    };
    return !deepEqual(strip(before), strip(after));
  }
}
