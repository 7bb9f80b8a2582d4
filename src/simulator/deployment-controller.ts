import type { Logger } from 'pino';
import type { KubeObject } from '../kube/kube-object.js';
import { isStatus } from '../kube/rest-client.js';
import type { Clock } from '../time/clock.js';
import { type ClusterApi, DEPLOYMENTS, REPLICASETS } from './cluster-api.js';
import type { ClusterState } from './cluster-state.js';
import { type RunningController, runController } from './controller-runner.js';
import {
  type Condition,
  type DeploymentView,
  deadlineCheckAfterMs,
  deploymentStatus,
  newRsReplicas,
  oldRsScaleDowns,
  proportionalScale,
  type RsView,
} from './deployment-rollout.js';
import { resolveFenceposts } from './int-or-percent.js';
import {
  annotationsOf,
  arr,
  controllerOf,
  controllerRef,
  DESIRED_REPLICAS_ANNOTATION,
  keyOf,
  kubeTime,
  MAX_REPLICAS_ANNOTATION,
  num,
  obj,
  POD_TEMPLATE_HASH,
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  revisionOf,
  spec,
  status,
  timeMs,
  uidOf,
} from './objects.js';
import { canonical, computeHash, normalized } from './pod-template-hash.js';

/** Deployment annotations the controller does not copy onto its ReplicaSets (deployment/util). */
const NOT_COPIED = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  'deprecated.deployment.rollback.to',
]);

function withoutHash(template: unknown): unknown {
  const t = structuredClone(obj(template));
  const meta = obj(t.metadata);
  const labels = { ...obj(meta.labels) };
  delete labels[POD_TEMPLATE_HASH];
  t.metadata = { ...meta, labels };
  return t;
}

export function sameTemplate(a: unknown, b: unknown): boolean {
  return canonical(normalized(withoutHash(a))) === canonical(normalized(withoutHash(b)));
}

function view(rs: KubeObject): RsView {
  const s = status(rs);
  return {
    name: rs.metadata.name,
    replicas: num(spec(rs).replicas, 0),
    current: num(s.replicas, 0),
    ready: num(s.readyReplicas, 0),
    available: num(s.availableReplicas, 0),
    createdMs: timeMs(rs.metadata.creationTimestamp) ?? 0,
  };
}

/**
 * kube-controller-manager's Deployment controller: one ReplicaSet per pod template (named with the
 * pod-template-hash), revision annotations (a rollback makes an old ReplicaSet the newest revision again), a rolling
 * update within maxSurge / maxUnavailable (or Recreate), history trimmed to revisionHistoryLimit, and the status and
 * conditions `kubectl rollout status` waits on.
 */
export class DeploymentController {
  private readonly loop: RunningController;

  constructor(
    private readonly state: ClusterState,
    private readonly api: ClusterApi,
    private readonly clock: Clock,
    logger: Logger,
  ) {
    this.loop = runController('deployment', (key) => this.reconcile(key), { clock, logger });
    state.on('deployments', (_type, d) => this.loop.enqueue(keyOf(d)));
    state.on('replicasets', (_type, rs) => {
      const owner = controllerOf(rs);
      if (owner?.kind === 'Deployment') this.loop.enqueue(`${rs.metadata.namespace}/${owner.name}`);
    });
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  async reconcile(key: string): Promise<{ requeueAfterMs?: number }> {
    const d = this.state.get('deployments', key);
    if (!d?.metadata.uid || d.metadata.deletionTimestamp) return {};
    const dSpec = spec(d);
    const replicas = num(dSpec.replicas, 1);
    const strategy = obj(dSpec.strategy);
    const rolling = obj(strategy.rollingUpdate);
    const dv: DeploymentView = {
      replicas,
      maxSurge: rolling.maxSurge,
      maxUnavailable: rolling.maxUnavailable,
      strategy: strategy.type === 'Recreate' ? 'Recreate' : 'RollingUpdate',
    };
    const paused = dSpec.paused === true;
    const rss = this.state
      .ownedBy('replicasets', d.metadata.uid)
      .filter((rs) => !rs.metadata.deletionTimestamp);
    const matching = rss
      .filter((rs) => sameTemplate(spec(rs).template, dSpec.template))
      .sort((a, b) => view(a).createdMs - view(b).createdMs);
    let newRs = matching[0];
    const olds = rss.filter((rs) => rs !== newRs);
    const maxOldRevision = Math.max(0, ...olds.map(revisionOf));
    let newRsEvent: 'created' | 'found' | undefined;

    // Recreate: the new ReplicaSet comes only once every old pod is gone (upstream's oldPodsRunning).
    if (!newRs && !paused && dv.strategy === 'Recreate' && this.oldPodsRunning(olds)) {
      for (const rs of olds) {
        const size = num(spec(rs).replicas, 0);
        if (size > 0) await this.scale(d, rs.metadata.name, size, 0);
      }
      return this.writeStatus(d, dv, undefined, olds, undefined, paused);
    }
    if (!newRs && !paused) {
      const created = await this.createNewRs(d, rss.map(view), dv, maxOldRevision + 1);
      if (!created) return { requeueAfterMs: 200 };
      newRs = created;
      newRsEvent = 'created';
      const size = num(spec(created).replicas, 0);
      this.api.event(
        'deployment-controller',
        d,
        'Normal',
        'ScalingReplicaSet',
        `Scaled up replica set ${created.metadata.name} to ${size} from 0`,
      );
    } else if (newRs) {
      newRsEvent = 'found';
      await this.syncNewRsAnnotations(d, newRs, maxOldRevision, replicas, dv);
    }
    const revision = newRs
      ? String(revisionOf(newRs) > maxOldRevision ? revisionOf(newRs) : maxOldRevision + 1)
      : undefined;
    if (revision !== undefined && annotationsOf(d)[REVISION_ANNOTATION] !== revision) {
      await this.api.patch(DEPLOYMENTS, d.metadata.namespace, d.metadata.name, {
        metadata: { annotations: { [REVISION_ANNOTATION]: revision } },
      });
    }

    const current = newRs ? [...olds, newRs] : olds;
    if (!paused && newRs) await this.rollout(d, dv, current, newRs, olds);
    // A paused Deployment does not roll out, but it still scales (proportionally over its ReplicaSets).
    if (paused) {
      const sizes = new Map(current.map((rs) => [rs.metadata.name, num(spec(rs).replicas, 0)]));
      for (const [name, to] of proportionalScale(sizes, replicas, newRs?.metadata.name))
        await this.scale(d, name, sizes.get(name) ?? 0, to);
    }
    await this.cleanup(d, olds);
    return this.writeStatus(d, dv, newRs, current, newRsEvent, paused);
  }

  private async rollout(
    d: KubeObject,
    dv: DeploymentView,
    rss: KubeObject[],
    newRs: KubeObject,
    olds: KubeObject[],
  ): Promise<void> {
    const all = rss.map(view);
    const newView = view(newRs);
    const target = newRsReplicas(dv, all, newView);
    const sizes = new Map(all.map((r) => [r.name, r.replicas]));
    const scale = (name: string, to: number) => this.scale(d, name, sizes.get(name) ?? 0, to);
    if (dv.strategy === 'Recreate') {
      // Like upstream's oldPodsRunning: any old pod that has not finished, Terminating ones included.
      const oldRunning = olds.some(
        (rs) =>
          num(spec(rs).replicas, 0) > 0 ||
          this.state
            .ownedBy('pods', uidOf(rs))
            .some((p) => !['Succeeded', 'Failed'].includes(String(status(p).phase))),
      );
      for (const [name, size] of oldRsScaleDowns(dv, all, olds.map(view), newView)) await scale(name, size);
      if (!oldRunning && target !== newView.replicas) await scale(newRs.metadata.name, target);
      return;
    }
    if (target !== newView.replicas) {
      await scale(newRs.metadata.name, target);
      return;
    }
    for (const [name, size] of oldRsScaleDowns(dv, all, olds.map(view), newView)) await scale(name, size);
  }

  /** Like upstream's oldPodsRunning: old ReplicaSets that want pods, or any old pod not finished (Terminating too). */
  private oldPodsRunning(olds: KubeObject[]): boolean {
    return olds.some(
      (rs) =>
        num(spec(rs).replicas, 0) > 0 ||
        this.state
          .ownedBy('pods', uidOf(rs))
          .some((p) => !['Succeeded', 'Failed'].includes(String(status(p).phase))),
    );
  }

  private async scale(d: KubeObject, name: string, from: number, to: number): Promise<void> {
    await this.api.patch(REPLICASETS, d.metadata.namespace, name, { spec: { replicas: to } });
    const direction = to > from ? 'up' : 'down';
    this.api.event(
      'deployment-controller',
      d,
      'Normal',
      'ScalingReplicaSet',
      `Scaled ${direction} replica set ${name} to ${to} from ${from}`,
    );
  }

  private async createNewRs(
    d: KubeObject,
    all: RsView[],
    dv: DeploymentView,
    revision: number,
  ): Promise<KubeObject | undefined> {
    const dSpec = spec(d);
    const collisionCount = num(status(d).collisionCount, 0);
    const template = structuredClone(obj(dSpec.template));
    const hash = computeHash(template, collisionCount);
    const tMeta = obj(template.metadata);
    template.metadata = { ...tMeta, labels: { ...obj(tMeta.labels), [POD_TEMPLATE_HASH]: hash } };
    const selector = obj(dSpec.selector);
    const replicas = newRsReplicas(dv, all, {
      name: '',
      replicas: 0,
      current: 0,
      ready: 0,
      available: 0,
      createdMs: 0,
    });
    const { surge } = resolveFenceposts(dv.maxSurge, dv.maxUnavailable, dv.replicas);
    const name = `${d.metadata.name}-${hash}`;
    const body = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name,
        namespace: d.metadata.namespace,
        labels: { ...obj(tMeta.labels), [POD_TEMPLATE_HASH]: hash },
        annotations: {
          ...this.copiedAnnotations(d),
          [REVISION_ANNOTATION]: String(revision),
          [DESIRED_REPLICAS_ANNOTATION]: String(dv.replicas),
          [MAX_REPLICAS_ANNOTATION]: String(dv.replicas + surge),
        },
        ownerReferences: [controllerRef(d, 'apps/v1', 'Deployment')],
      },
      spec: {
        replicas,
        minReadySeconds: num(dSpec.minReadySeconds, 0),
        selector: { ...selector, matchLabels: { ...obj(selector.matchLabels), [POD_TEMPLATE_HASH]: hash } },
        template,
      },
    };
    try {
      return await this.api.create(REPLICASETS, d.metadata.namespace, body);
    } catch (error) {
      if (!isStatus(error, 409)) throw error;
      // Someone else's ReplicaSet has our name (or our cache lags our own create): a hash collision otherwise.
      const existing = this.state.get('replicasets', `${d.metadata.namespace}/${name}`);
      if (
        existing &&
        controllerOf(existing)?.uid === uidOf(d) &&
        sameTemplate(spec(existing).template, dSpec.template)
      )
        return existing;
      if (!existing) return undefined;
      await this.api.patch(
        DEPLOYMENTS,
        d.metadata.namespace,
        d.metadata.name,
        { status: { collisionCount: collisionCount + 1 } },
        'status',
      );
      return undefined;
    }
  }

  private copiedAnnotations(d: KubeObject): Record<string, string> {
    return Object.fromEntries(Object.entries(annotationsOf(d)).filter(([k]) => !NOT_COPIED.has(k)));
  }

  /** The newest ReplicaSet carries the Deployment's annotations and the highest revision (a rollback bumps it). */
  private async syncNewRsAnnotations(
    d: KubeObject,
    newRs: KubeObject,
    maxOldRevision: number,
    replicas: number,
    dv: DeploymentView,
  ): Promise<void> {
    const current = annotationsOf(newRs);
    const wanted: Record<string, string | null> = { ...this.copiedAnnotations(d) };
    const own = revisionOf(newRs);
    if (own <= maxOldRevision) {
      wanted[REVISION_ANNOTATION] = String(maxOldRevision + 1);
      const history = current[REVISION_HISTORY_ANNOTATION];
      wanted[REVISION_HISTORY_ANNOTATION] = history ? `${history},${own}` : String(own);
    }
    const { surge } = resolveFenceposts(dv.maxSurge, dv.maxUnavailable, replicas);
    wanted[DESIRED_REPLICAS_ANNOTATION] = String(replicas);
    wanted[MAX_REPLICAS_ANNOTATION] = String(replicas + surge);
    const changes = Object.fromEntries(Object.entries(wanted).filter(([k, v]) => current[k] !== v));
    if (Object.keys(changes).length === 0) return;
    await this.api.patch(REPLICASETS, newRs.metadata.namespace, newRs.metadata.name, {
      metadata: { annotations: changes },
    });
  }

  /** Old ReplicaSets scaled to zero beyond revisionHistoryLimit go, oldest first. */
  private async cleanup(d: KubeObject, olds: KubeObject[]): Promise<void> {
    const limit = num(spec(d).revisionHistoryLimit, 10);
    const idle = olds
      .filter((rs) => num(spec(rs).replicas, 0) === 0 && num(status(rs).replicas, 0) === 0)
      .sort((a, b) => revisionOf(a) - revisionOf(b));
    for (const rs of idle.slice(0, Math.max(0, idle.length - limit))) {
      await this.api.delete(REPLICASETS, rs.metadata.namespace, rs.metadata.name, { uid: uidOf(rs) });
    }
  }

  private async writeStatus(
    d: KubeObject,
    dv: DeploymentView,
    newRs: KubeObject | undefined,
    rss: KubeObject[],
    newRsEvent: 'created' | 'found' | undefined,
    paused: boolean,
  ): Promise<{ requeueAfterMs?: number }> {
    const previous = status(d);
    const all = rss.map(view);
    const newView = newRs ? view(newRs) : undefined;
    const now = this.clock.now();
    const { unavailable } = resolveFenceposts(dv.maxSurge, dv.maxUnavailable, dv.replicas);
    const deadline = spec(d).progressDeadlineSeconds;
    const next = deploymentStatus({
      replicas: dv.replicas,
      unavailableBudget: unavailable,
      generation: d.metadata.generation ?? 1,
      newRs: newView,
      all,
      previous: {
        updatedReplicas: num(previous.updatedReplicas, 0),
        readyReplicas: num(previous.readyReplicas, 0),
        availableReplicas: num(previous.availableReplicas, 0),
        oldReplicas: num(previous.replicas, 0) - num(previous.updatedReplicas, 0),
        conditions: arr(previous.conditions) as Condition[],
      },
      progressDeadlineSeconds: typeof deadline === 'number' ? deadline : undefined,
      paused,
      newRsEvent,
      nowIso: kubeTime(now),
      nowMs: now,
    });
    const collisionCount = previous.collisionCount;
    const body = collisionCount === undefined ? next : { ...next, collisionCount };
    if (canonical(body) !== canonical(pick(previous, Object.keys(body)))) {
      await this.api.patch(DEPLOYMENTS, d.metadata.namespace, d.metadata.name, { status: body }, 'status');
    }
    const after = deadlineCheckAfterMs(
      next.conditions,
      typeof deadline === 'number' ? deadline : undefined,
      now,
    );
    return after === undefined ? {} : { requeueAfterMs: after };
  }
}

function pick(o: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));
}
