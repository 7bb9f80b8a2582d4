import type { GuardedKube } from './mutation-guard.js';
import { sameTemplate } from './template-equality.js';
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
  type ControllerRevision,
  controlledBy,
  controllerRevisionListSchema,
  describeWorkload,
  mapWriteError,
  matchLabelsQuery,
  readWorkload,
  type Workload,
  workloadPath,
} from './workload-objects.js';

async function revisionsOf(kube: GuardedKube, ctx: ActionContext | undefined, sts: Workload) {
  const list = controllerRevisionListSchema.parse(
    await kube.read(ctx, {
      path: appsCollectionPath(sts.metadata.namespace ?? '', 'controllerrevisions'),
      query: matchLabelsQuery(sts),
    }),
  );
  return controlledBy(list.items, sts.metadata.uid).sort((a, b) => a.revision - b.revision);
}

/**
 * The template a ControllerRevision restores. The StatefulSet controller stores `{spec: {template: {…,
 * $patch: replace}}}`, the strategic merge patch kubectl applies on undo; anything else is not a patch we can
 * vouch for and is refused.
 */
function revisionTemplate(revision: ControllerRevision): Record<string, unknown> | undefined {
  const spec = revision.data?.spec as { template?: unknown } | undefined;
  const template = spec?.template;
  if (template === null || typeof template !== 'object' || Array.isArray(template)) return undefined;
  const { $patch: _directive, ...rest } = template as Record<string, unknown>;
  return rest;
}

/** The revision number of the StatefulSet's current template (status.updateRevision names it). */
function currentRevision(sts: Workload, revisions: ControllerRevision[]): number {
  const named = revisions.find((r) => r.metadata.name === sts.status?.updateRevision);
  return named?.revision ?? revisions[revisions.length - 1]?.revision ?? 0;
}

/**
 * `kubectl rollout undo statefulset`: the ControllerRevision of toRevision (default: the second highest) is
 * applied as the strategic merge patch it stores, with metadata.resourceVersion added so a StatefulSet changed
 * since is a 409. Implemented, not recommend-only: the data is exactly what kubectl sends.
 */
export async function rollbackStatefulSet(
  kube: GuardedKube,
  ctx: ActionContext,
  target: WorkloadRef,
  toRevision?: number,
): Promise<ActionOutcome> {
  const read = await readWorkload((path) => kube.read(ctx, { path }), target);
  if ('outcome' in read) return read.outcome;
  const sts = read.workload;
  const name = describeWorkload(target);
  const generation = sts.metadata.generation ?? 0;
  if ((sts.status?.observedGeneration ?? 0) < generation) {
    return blocked('Conflict', `${name}: the controller has not observed generation ${generation} yet`);
  }
  const revisions = await revisionsOf(kube, ctx, sts);
  const chosen =
    toRevision !== undefined
      ? revisions.find((r) => r.revision === toRevision)
      : revisions.length > 1
        ? revisions[revisions.length - 2]
        : undefined;
  if (!chosen) {
    return blocked(
      'NotFound',
      toRevision !== undefined
        ? `${name}: unable to find revision ${toRevision} in its history`
        : `${name}: no previous revision to roll back to`,
    );
  }
  const template = revisionTemplate(chosen);
  if (!template || !chosen.data) {
    return blocked(
      'Unsupported',
      `${name}: ControllerRevision ${chosen.metadata.name} holds no pod template`,
    );
  }
  const fromRevision = currentRevision(sts, revisions);
  const observed = { fromRevision, toRevision: chosen.revision, controllerRevision: chosen.metadata.name };
  if (sameTemplate(template, sts.spec.template)) {
    return done(`${name}: skipped rollback (template already matches revision ${chosen.revision})`, observed);
  }
  try {
    await kube.mutate(ctx, `rolling back ${name}`, {
      method: 'PATCH',
      path: workloadPath(target),
      contentType: 'application/strategic-merge-patch+json',
      body: { ...chosen.data, metadata: { resourceVersion: sts.metadata.resourceVersion } },
    });
  } catch (error) {
    return mapWriteError(error, target, 'the rollback');
  }
  return done(`${name} rolled back from revision ${fromRevision} to revision ${chosen.revision}`, observed);
}

/** After a takeover: the StatefulSet's template is no longer that of revision fromRevision. */
export async function observeStatefulSetRollback(
  kube: GuardedKube,
  target: WorkloadRef,
  fromRevision: number,
): Promise<Observation> {
  const read = await readWorkload((path) => kube.read(undefined, { path }), target);
  if ('outcome' in read) return { applied: false, message: read.outcome.message };
  const name = describeWorkload(target);
  const from = (await revisionsOf(kube, undefined, read.workload)).find((r) => r.revision === fromRevision);
  const template = from && revisionTemplate(from);
  if (!template) return { applied: false, message: `${name}: revision ${fromRevision} not found` };
  return sameTemplate(template, read.workload.spec.template)
    ? { applied: false, message: `${name} still runs the template of revision ${fromRevision}` }
    : { applied: true, message: `${name} no longer runs the template of revision ${fromRevision}` };
}
