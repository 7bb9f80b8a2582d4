import type { GuardedKube } from './mutation-guard.js';
import { sameTemplate, withoutHashLabel } from './template-equality.js';
import {
  type ActionContext,
  type ActionOutcome,
  blocked,
  done,
  type Observation,
  type WorkloadRef,
} from './workload-actions.js';
import {
  appsCollectionPath,
  controlledBy,
  describeWorkload,
  mapWriteError,
  matchLabelsQuery,
  type ReplicaSet,
  readWorkload,
  replicaSetListSchema,
  type Workload,
  workloadPath,
} from './workload-objects.js';

export const REVISION = 'deployment.kubernetes.io/revision';

/**
 * Deployment annotations kubectl keeps from the Deployment rather than copying from the ReplicaSet on undo
 * (rollback.go annotationsToSkip). Everything else, deployment.kubernetes.io/change-cause included, is taken from
 * the ReplicaSet: the Deployment's annotations become the old revision's.
 */
const KEPT_FROM_DEPLOYMENT = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION,
  'deployment.kubernetes.io/revision-history',
  'deployment.kubernetes.io/desired-replicas',
  'deployment.kubernetes.io/max-replicas',
  'deprecated.deployment.rollback.to',
]);

export function revisionOf(object: {
  metadata: { annotations?: Record<string, string> };
}): number | undefined {
  const raw = object.metadata.annotations?.[REVISION];
  if (raw === undefined || !/^\d+$/.test(raw)) return undefined;
  return Number(raw);
}

async function replicaSetsOf(kube: GuardedKube, ctx: ActionContext | undefined, deployment: Workload) {
  const list = replicaSetListSchema.parse(
    await kube.read(ctx, {
      path: appsCollectionPath(deployment.metadata.namespace ?? '', 'replicasets'),
      query: matchLabelsQuery(deployment),
    }),
  );
  return controlledBy(list.items, deployment.metadata.uid);
}

/** kubectl's deploymentRevision: the ReplicaSet of toRevision, or of the second highest revision. */
function pickRevision(
  replicaSets: ReplicaSet[],
  toRevision: number | undefined,
): { rs: ReplicaSet; revision: number } | undefined {
  const numbered = replicaSets
    .map((rs) => ({ rs, revision: revisionOf(rs) }))
    .filter((r): r is { rs: ReplicaSet; revision: number } => r.revision !== undefined)
    .sort((a, b) => b.revision - a.revision);
  if (toRevision !== undefined) return numbered.find((r) => r.revision === toRevision);
  return numbered[1];
}

/**
 * `kubectl rollout undo deployment`: the pod template of the chosen ReplicaSet (without its pod-template-hash
 * label) replaces spec.template, and the Deployment's annotations are rebuilt as kubectl does, in one JSON patch.
 * The patch first replaces metadata.resourceVersion with the one read, so a Deployment changed since is a 409.
 */
export async function rollbackDeployment(
  kube: GuardedKube,
  ctx: ActionContext,
  target: WorkloadRef,
  toRevision?: number,
): Promise<ActionOutcome> {
  const read = await readWorkload((path) => kube.read(ctx, { path }), target);
  if ('outcome' in read) return read.outcome;
  const deployment = read.workload;
  const name = describeWorkload(target);
  if (deployment.spec.paused) {
    return blocked('PreconditionFailed', `you cannot roll back a paused ${name}; resume it first`);
  }
  // The ReplicaSets only describe the history once the controller has seen the latest template.
  const generation = deployment.metadata.generation ?? 0;
  if ((deployment.status?.observedGeneration ?? 0) < generation) {
    return blocked('Conflict', `${name}: the controller has not observed generation ${generation} yet`);
  }
  const replicaSets = await replicaSetsOf(kube, ctx, deployment);
  const chosen = pickRevision(replicaSets, toRevision);
  if (!chosen) {
    return blocked(
      'NotFound',
      toRevision !== undefined
        ? `${name}: unable to find revision ${toRevision} in its history`
        : `${name}: no previous revision to roll back to (no rollout history)`,
    );
  }
  const template = chosen.rs.spec.template;
  if (!template) throw new Error(`ReplicaSet ${chosen.rs.metadata.name} has no pod template`);
  const fromRevision = revisionOf(deployment) ?? 0;
  const observed = { fromRevision, toRevision: chosen.revision, replicaSet: chosen.rs.metadata.name };
  if (sameTemplate(template, deployment.spec.template)) {
    return done(`${name}: skipped rollback (template already matches revision ${chosen.revision})`, observed);
  }
  const annotations: Record<string, string> = {};
  for (const [key, value] of Object.entries(deployment.metadata.annotations ?? {})) {
    if (KEPT_FROM_DEPLOYMENT.has(key)) annotations[key] = value;
  }
  for (const [key, value] of Object.entries(chosen.rs.metadata.annotations ?? {})) {
    if (!KEPT_FROM_DEPLOYMENT.has(key)) annotations[key] = value;
  }
  try {
    await kube.mutate(ctx, `rolling back ${name}`, {
      method: 'PATCH',
      path: workloadPath(target),
      contentType: 'application/json-patch+json',
      body: [
        { op: 'replace', path: '/metadata/resourceVersion', value: deployment.metadata.resourceVersion },
        { op: 'replace', path: '/spec/template', value: withoutHashLabel(template) },
        // kubectl uses replace; add is the same for an existing member and also works when there is none.
        { op: 'add', path: '/metadata/annotations', value: annotations },
      ],
    });
  } catch (error) {
    return mapWriteError(error, target, 'the rollback');
  }
  return done(`${name} rolled back from revision ${fromRevision} to revision ${chosen.revision}`, observed);
}

/** After a takeover: the Deployment's template is no longer that of revision fromRevision. */
export async function observeDeploymentRollback(
  kube: GuardedKube,
  target: WorkloadRef,
  fromRevision: number,
): Promise<Observation> {
  const read = await readWorkload((path) => kube.read(undefined, { path }), target);
  if ('outcome' in read) return { applied: false, message: read.outcome.message };
  const deployment = read.workload;
  const name = describeWorkload(target);
  const from = (await replicaSetsOf(kube, undefined, deployment)).find(
    (rs) => revisionOf(rs) === fromRevision,
  );
  if (!from?.spec.template) {
    // The revision was re-numbered or pruned: the controller's annotation tells which revision is current.
    const current = revisionOf(deployment);
    return current !== undefined && current !== fromRevision
      ? { applied: true, message: `${name} is at revision ${current}, not ${fromRevision}` }
      : { applied: false, message: `${name}: revision ${fromRevision} not found` };
  }
  return sameTemplate(from.spec.template, deployment.spec.template)
    ? { applied: false, message: `${name} still runs the template of revision ${fromRevision}` }
    : { applied: true, message: `${name} no longer runs the template of revision ${fromRevision}` };
}
