import { z } from 'zod';
import { objectMetaSchema } from '../kube/kube-object.js';
import { isStatus, KubeApiError } from '../kube/rest-client.js';
import { type ActionOutcome, blocked, type WorkloadKind, type WorkloadRef } from './workload-actions.js';

/** Paths and boundary schemas for the objects the actions read: only the fields they rely on are checked. */

const PLURAL: Record<WorkloadKind, string> = { Deployment: 'deployments', StatefulSet: 'statefulsets' };

const ns = (namespace: string) => `namespaces/${encodeURIComponent(namespace)}`;

export function workloadPath(target: Pick<WorkloadRef, 'kind' | 'namespace' | 'name'>): string {
  return `/apis/apps/v1/${ns(target.namespace)}/${PLURAL[target.kind]}/${encodeURIComponent(target.name)}`;
}

export function appsCollectionPath(namespace: string, plural: 'replicasets' | 'controllerrevisions'): string {
  return `/apis/apps/v1/${ns(namespace)}/${plural}`;
}

export function podPath(namespace: string, name: string): string {
  return `/api/v1/${ns(namespace)}/pods/${encodeURIComponent(name)}`;
}

const templateSchema = z.record(z.string(), z.unknown());

export const workloadSchema = z.looseObject({
  metadata: objectMetaSchema.extend({ uid: z.string(), resourceVersion: z.string() }),
  spec: z.looseObject({
    paused: z.boolean().optional(),
    replicas: z.number().optional(),
    selector: z.looseObject({ matchLabels: z.record(z.string(), z.string()).optional() }).optional(),
    template: templateSchema,
  }),
  status: z
    .looseObject({
      observedGeneration: z.number().optional(),
      updateRevision: z.string().optional(),
      currentRevision: z.string().optional(),
    })
    .optional(),
});
export type Workload = z.infer<typeof workloadSchema>;

export const replicaSetListSchema = z.looseObject({
  items: z.array(
    z.looseObject({
      metadata: objectMetaSchema,
      spec: z.looseObject({ template: templateSchema.optional() }),
    }),
  ),
});
export type ReplicaSet = z.infer<typeof replicaSetListSchema>['items'][number];

export const controllerRevisionListSchema = z.looseObject({
  items: z.array(
    z.looseObject({
      metadata: objectMetaSchema,
      revision: z.number(),
      data: z.record(z.string(), z.unknown()).optional(),
    }),
  ),
});
export type ControllerRevision = z.infer<typeof controllerRevisionListSchema>['items'][number];

export const scaleSchema = z.looseObject({
  metadata: objectMetaSchema.extend({ resourceVersion: z.string() }),
  spec: z.looseObject({ replicas: z.number().int().nonnegative().optional() }).default({}),
});

export const podSchema = z.looseObject({ metadata: objectMetaSchema });

/** Objects controlled by `ownerUid` (the controller ownerReference), as the controllers and kubectl select them. */
export function controlledBy<T extends { metadata: z.infer<typeof objectMetaSchema> }>(
  items: T[],
  ownerUid: string,
): T[] {
  return items.filter((item) =>
    (item.metadata.ownerReferences ?? []).some((ref) => ref.controller === true && ref.uid === ownerUid),
  );
}

/** A label selector query for matchLabels only: it narrows the list; the ownerReference decides. */
export function matchLabelsQuery(workload: Workload): Record<string, string> {
  const labels = workload.spec.selector?.matchLabels ?? {};
  const selector = Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return selector ? { labelSelector: selector } : {};
}

const describe = (t: WorkloadRef) => `${t.kind} ${t.namespace}/${t.name}`;

/**
 * Reads the target and checks it is the object the decision was made about. A missing object or one recreated
 * under the same name (another uid) is a blocked outcome, never acted on.
 */
export async function readWorkload(
  read: (path: string) => Promise<unknown>,
  target: WorkloadRef,
): Promise<{ workload: Workload } | { outcome: ActionOutcome }> {
  let raw: unknown;
  try {
    raw = await read(workloadPath(target));
  } catch (error) {
    if (isStatus(error, 404)) return { outcome: blocked('NotFound', `${describe(target)} not found`) };
    throw error;
  }
  const workload = workloadSchema.parse(raw);
  if (workload.metadata.uid !== target.uid) {
    return {
      outcome: blocked(
        'PreconditionFailed',
        `${describe(target)} has uid ${workload.metadata.uid}, not ${target.uid}: it was replaced`,
      ),
    };
  }
  return { workload };
}

/** Maps the answers every workload write shares: 404 (deleted meanwhile) and 409 (changed meanwhile). */
export function mapWriteError(error: unknown, target: WorkloadRef, verb: string): ActionOutcome {
  if (isStatus(error, 404)) return blocked('NotFound', `${describe(target)} was deleted before ${verb}`);
  if (isStatus(error, 409)) {
    const detail = error instanceof KubeApiError ? error.message : String(error);
    return blocked('Conflict', `${describe(target)} changed before ${verb}: ${detail}`);
  }
  throw error;
}

export { describe as describeWorkload };
