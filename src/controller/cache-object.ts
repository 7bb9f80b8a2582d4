/**
 * What an informer keeps of each object it receives. Objects are checked by hand against the fields the
 * controller relies on (kubeObjectSchema's, without a zod parse that copies every object of a 10,000-pod list),
 * then trimmed: managedFields go everywhere (kubectl and controllers write kilobytes of them per object), a Pod
 * keeps only what the engine reads of it (ownership, node, container limits, phase, the Ready condition, container
 * states),
 * and a Deployment, StatefulSet or ReplicaSet keeps no pod template spec (nor volume claim templates): the actions
 * read a workload from the API before they change it, and what the caches serve is metadata, replicas, selector
 * and status. Code that needs a template must read the object from the API too.
 */
import type { KubeObject } from '../kube/kube-object.js';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const optional = (v: unknown, type: 'string' | 'number' | 'boolean') => v === undefined || typeof v === type;
const stringRecord = (v: unknown) =>
  v === undefined || (isObject(v) && Object.values(v).every((x) => typeof x === 'string'));

function validOwnerReference(ref: unknown): boolean {
  return (
    isObject(ref) &&
    typeof ref.apiVersion === 'string' &&
    typeof ref.kind === 'string' &&
    typeof ref.name === 'string' &&
    optional(ref.uid, 'string') &&
    optional(ref.controller, 'boolean')
  );
}

/** The object itself when it has the shape KubeObject promises (see kubeObjectSchema), else undefined. */
export function asKubeObject(value: unknown): KubeObject | undefined {
  if (!isObject(value) || !optional(value.apiVersion, 'string') || !optional(value.kind, 'string'))
    return undefined;
  const m = value.metadata;
  if (!isObject(m) || typeof m.name !== 'string') return undefined;
  for (const key of ['namespace', 'uid', 'resourceVersion', 'creationTimestamp', 'deletionTimestamp']) {
    if (!optional(m[key], 'string')) return undefined;
  }
  if (!optional(m.generation, 'number') || !stringRecord(m.labels) || !stringRecord(m.annotations))
    return undefined;
  const refs = m.ownerReferences;
  if (refs !== undefined && !(Array.isArray(refs) && refs.every(validOwnerReference))) return undefined;
  return value as KubeObject;
}

function pick(source: unknown, keys: readonly string[]): Json | undefined {
  if (!isObject(source)) return undefined;
  const out: Json = {};
  for (const key of keys) if (source[key] !== undefined) out[key] = source[key];
  return out;
}

const pickEach = (list: unknown, keys: readonly string[]) =>
  Array.isArray(list) ? list.map((item) => pick(item, keys) ?? item) : undefined;

/** A Pod as the engine reads it: status signals, ownership, the node (the feature join) and container limits. */
function slimPod(pod: KubeObject): KubeObject {
  const spec = isObject(pod.spec) ? pod.spec : {};
  const status = isObject(pod.status) ? pod.status : undefined;
  const slim: Json = {
    ...pod,
    spec: {
      ...pick(spec, ['nodeName']),
      ...(spec.containers !== undefined
        ? { containers: pickEach(spec.containers, ['name', 'resources']) }
        : {}),
    },
  };
  if (status) {
    // Only the Ready condition is read (status signals, the restart budget): the three others are 3 objects and 3
    // timestamps per pod for nothing.
    const conditions = Array.isArray(status.conditions)
      ? status.conditions.filter((c) => isObject(c) && c.type === 'Ready')
      : status.conditions;
    slim.status = {
      ...pick(status, ['phase', 'reason']),
      ...(conditions !== undefined ? { conditions } : {}),
      ...(status.containerStatuses !== undefined
        ? {
            containerStatuses: pickEach(status.containerStatuses, [
              'name',
              'ready',
              'restartCount',
              'state',
              'lastState',
            ]),
          }
        : {}),
    };
  }
  return slim as KubeObject;
}

const WORKLOADS: ReadonlySet<string> = new Set(['deployments', 'statefulsets', 'replicasets']);

/** A workload without its pod template spec: only the template's labels and annotations stay. */
function slimWorkload(workload: KubeObject): KubeObject {
  if (!isObject(workload.spec)) return workload;
  const { template, volumeClaimTemplates: _claims, ...spec } = workload.spec;
  const templateMeta = isObject(template) ? pick(template.metadata, ['labels', 'annotations']) : undefined;
  return {
    ...workload,
    spec: { ...spec, ...(templateMeta ? { template: { metadata: templateMeta } } : {}) },
  } as KubeObject;
}

/** What the cache of `resource` keeps of an object it received (already checked by asKubeObject). */
export function cachedForm(resource: string, object: KubeObject): KubeObject {
  let out = object;
  if (out.metadata.managedFields !== undefined) {
    const { managedFields: _dropped, ...metadata } = out.metadata;
    out = { ...out, metadata };
  }
  if (resource === 'pods') return slimPod(out);
  return WORKLOADS.has(resource) ? slimWorkload(out) : out;
}
