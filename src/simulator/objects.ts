import type { KubeObject } from '../kube/kube-object.js';
import { parseQuantity } from './quantity.js';

/**
 * Reading the fields the simulated control plane needs from objects the informers cached. The informer checked the
 * metadata; everything else is read defensively, so an odd object is skipped rather than crashing a controller.
 */
export type Json = Record<string, unknown>;

export const obj = (v: unknown): Json =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {};
export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const num = (v: unknown, fallback: number): number =>
  typeof v === 'number' && Number.isFinite(v) ? v : fallback;
export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY_ANNOTATION = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/max-replicas';
export const POD_TEMPLATE_HASH = 'pod-template-hash';
export const CONTROLLER_REVISION_HASH = 'controller-revision-hash';

export function spec(o: KubeObject): Json {
  return obj((o as Json).spec);
}
export function status(o: KubeObject): Json {
  return obj((o as Json).status);
}
export function uidOf(o: KubeObject): string {
  return o.metadata.uid ?? '';
}
export function keyOf(o: KubeObject): string {
  return o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name;
}

export interface OwnerRef {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
}

/** The controlling ownerReference, if any. */
export function controllerOf(o: KubeObject): OwnerRef | undefined {
  const ref = o.metadata.ownerReferences?.find((r) => r.controller === true);
  return ref?.uid ? { apiVersion: ref.apiVersion, kind: ref.kind, name: ref.name, uid: ref.uid } : undefined;
}

export function controllerRef(owner: KubeObject, apiVersion: string, kind: string): Json {
  return {
    apiVersion,
    kind,
    name: owner.metadata.name,
    uid: uidOf(owner),
    controller: true,
    blockOwnerDeletion: true,
  };
}

export function isTerminating(o: KubeObject): boolean {
  return o.metadata.deletionTimestamp !== undefined;
}

/** Pods a controller counts: neither being deleted nor finished. */
export function isActivePod(pod: KubeObject): boolean {
  const phase = status(pod).phase;
  return !isTerminating(pod) && phase !== 'Succeeded' && phase !== 'Failed';
}

function condition(o: KubeObject, type: string): Json | undefined {
  return arr(status(o).conditions)
    .map(obj)
    .find((c) => c.type === type);
}

export function isPodReady(pod: KubeObject): boolean {
  return condition(pod, 'Ready')?.status === 'True';
}

/** Ready for at least minReadySeconds at `nowMs` (the controllers' "available"). */
export function isPodAvailable(pod: KubeObject, minReadySeconds: number, nowMs: number): boolean {
  const ready = condition(pod, 'Ready');
  if (ready?.status !== 'True') return false;
  if (minReadySeconds <= 0) return true;
  const since = Date.parse(String(ready.lastTransitionTime ?? ''));
  return Number.isFinite(since) && since + minReadySeconds * 1000 <= nowMs;
}

export function isNodeReady(node: KubeObject): boolean {
  return condition(node, 'Ready')?.status === 'True' && spec(node).unschedulable !== true;
}

export interface ContainerSpec {
  name: string;
  image: string;
  cpuLimit: number | undefined;
  memoryLimit: number | undefined;
  cpuRequest: number;
  memoryRequest: number;
}

export function containersOf(pod: KubeObject): ContainerSpec[] {
  return arr(spec(pod).containers)
    .map(obj)
    .filter((c) => typeof c.name === 'string')
    .map((c) => {
      const resources = obj(c.resources);
      const limits = obj(resources.limits);
      const requests = obj(resources.requests);
      const cpuLimit = parseQuantity(limits.cpu);
      const memoryLimit = parseQuantity(limits.memory);
      return {
        name: String(c.name),
        image: str(c.image) ?? '',
        cpuLimit,
        memoryLimit,
        // Like the apiserver: a limit without a request implies the request.
        cpuRequest: parseQuantity(requests.cpu) ?? cpuLimit ?? 0,
        memoryRequest: parseQuantity(requests.memory) ?? memoryLimit ?? 0,
      };
    });
}

export function annotationsOf(o: KubeObject | undefined): Record<string, string> {
  return o?.metadata.annotations ?? {};
}

export function labelsOf(o: KubeObject | undefined): Record<string, string> {
  return o?.metadata.labels ?? {};
}

export function revisionOf(o: KubeObject): number {
  const n = Number(annotationsOf(o)[REVISION_ANNOTATION]);
  return Number.isInteger(n) ? n : 0;
}

export function timeMs(value: unknown): number | undefined {
  const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  return Number.isFinite(ms) ? ms : undefined;
}

/** metav1.Time: RFC 3339 in seconds. */
export function kubeTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}
