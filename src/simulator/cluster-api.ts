import type { KubeObject } from '../kube/kube-object.js';
import { isStatus, type KubeRest } from '../kube/rest-client.js';
import type { SimEvents } from './sim-events.js';

const MERGE = 'application/merge-patch+json';

/** Collection path of a resource: /api/v1/namespaces/ns/pods, /apis/apps/v1/namespaces/ns/replicasets, ... */
export function collectionPath(groupVersion: string, plural: string, namespace?: string): string {
  const base = groupVersion.includes('/') ? `/apis/${groupVersion}` : `/api/${groupVersion}`;
  return namespace ? `${base}/namespaces/${namespace}/${plural}` : `${base}/${plural}`;
}

export const PODS = { gv: 'v1', plural: 'pods' } as const;
export const NODES = { gv: 'v1', plural: 'nodes' } as const;
export const REPLICASETS = { gv: 'apps/v1', plural: 'replicasets' } as const;
export const DEPLOYMENTS = { gv: 'apps/v1', plural: 'deployments' } as const;
export const STATEFULSETS = { gv: 'apps/v1', plural: 'statefulsets' } as const;
export const CONTROLLER_REVISIONS = { gv: 'apps/v1', plural: 'controllerrevisions' } as const;
export const PDBS = { gv: 'policy/v1', plural: 'poddisruptionbudgets' } as const;
export const EVENTS = { gv: 'v1', plural: 'events' } as const;

type Resource = { gv: string; plural: string };

/**
 * The simulator's writes, all through the API like a real control plane's: so every effect is visible to watches,
 * to kubectl and to the engine, with real resourceVersions and conflicts.
 */
export class ClusterApi {
  /** Writes sent (creates, patches, replaces, deletes, bindings): what the simulator costs the API server. */
  writes = 0;
  /** Where controllers record Events (none: Events are not written). */
  events: SimEvents | undefined;

  constructor(readonly rest: KubeRest) {}

  event(
    component: string,
    object: KubeObject,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
  ): void {
    this.events?.emit(component, object, type, reason, message);
  }

  create<T = KubeObject>(r: Resource, namespace: string | undefined, body: unknown): Promise<T> {
    this.writes++;
    return this.rest.request<T>({ method: 'POST', path: collectionPath(r.gv, r.plural, namespace), body });
  }

  /** Merge patch of the main resource or of a subresource (`status`). */
  patch<T = KubeObject>(
    r: Resource,
    namespace: string | undefined,
    name: string,
    body: unknown,
    sub?: string,
  ): Promise<T> {
    return this.write<T>('PATCH', r, namespace, name, body, sub, MERGE);
  }

  /** A full write guarded by the object's resourceVersion (409 when someone changed it meanwhile). */
  replace<T = KubeObject>(
    r: Resource,
    namespace: string | undefined,
    name: string,
    body: unknown,
    sub?: string,
  ): Promise<T> {
    return this.write<T>('PUT', r, namespace, name, body, sub);
  }

  private write<T>(
    method: 'PATCH' | 'PUT',
    r: Resource,
    namespace: string | undefined,
    name: string,
    body: unknown,
    sub: string | undefined,
    contentType?: string,
  ): Promise<T> {
    this.writes++;
    const path = `${collectionPath(r.gv, r.plural, namespace)}/${encodeURIComponent(name)}${sub ? `/${sub}` : ''}`;
    return this.rest.request<T>({ method, path, body, ...(contentType ? { contentType } : {}) });
  }

  /** Deletes; a 404 (already gone) is success. Preconditions make sure it is still the object we meant. */
  async delete(
    r: Resource,
    namespace: string | undefined,
    name: string,
    options: { uid?: string; gracePeriodSeconds?: number; propagationPolicy?: string } = {},
  ): Promise<void> {
    this.writes++;
    const body: Record<string, unknown> = { kind: 'DeleteOptions', apiVersion: 'v1' };
    if (options.uid) body.preconditions = { uid: options.uid };
    if (options.gracePeriodSeconds !== undefined) body.gracePeriodSeconds = options.gracePeriodSeconds;
    if (options.propagationPolicy) body.propagationPolicy = options.propagationPolicy;
    try {
      await this.rest.request({
        method: 'DELETE',
        path: `${collectionPath(r.gv, r.plural, namespace)}/${encodeURIComponent(name)}`,
        body,
      });
    } catch (error) {
      if (!isStatus(error, 404)) throw error;
    }
  }

  bind(namespace: string, pod: string, node: string): Promise<unknown> {
    this.writes++;
    return this.rest.request({
      method: 'POST',
      path: `${collectionPath('v1', 'pods', namespace)}/${encodeURIComponent(pod)}/binding`,
      body: {
        apiVersion: 'v1',
        kind: 'Binding',
        metadata: { name: pod },
        target: { apiVersion: 'v1', kind: 'Node', name: node },
      },
    });
  }
}
