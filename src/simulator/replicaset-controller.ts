import type { Logger } from 'pino';
import type { KubeObject } from '../kube/kube-object.js';
import type { Clock } from '../time/clock.js';
import { type ClusterApi, PODS, REPLICASETS } from './cluster-api.js';
import type { ClusterState } from './cluster-state.js';
import { type RunningController, runController } from './controller-runner.js';
import { Expectations } from './expectations.js';
import { mapLimit } from './map-limit.js';
import {
  arr,
  controllerOf,
  controllerRef,
  isActivePod,
  isPodAvailable,
  isPodReady,
  keyOf,
  labelsOf,
  num,
  obj,
  spec,
  status,
  str,
  timeMs,
  uidOf,
} from './objects.js';

const WRITE_CONCURRENCY = 8;

/** The order in which a ReplicaSet gives up pods when it scales down (controller.ActivePods): cheapest first. */
export function deletionOrder(a: KubeObject, b: KubeObject): number {
  const assigned = (p: KubeObject) => (str(spec(p).nodeName) ? 1 : 0);
  const phaseRank = (p: KubeObject) => ({ Pending: 0, Unknown: 1, Running: 2 })[String(status(p).phase)] ?? 0;
  const ready = (p: KubeObject) => (isPodReady(p) ? 1 : 0);
  const restarts = (p: KubeObject) =>
    arr(status(p).containerStatuses).reduce<number>((sum, s) => sum + num(obj(s).restartCount, 0), 0);
  const created = (p: KubeObject) => timeMs(p.metadata.creationTimestamp) ?? 0;
  return (
    assigned(a) - assigned(b) ||
    phaseRank(a) - phaseRank(b) ||
    ready(a) - ready(b) ||
    restarts(b) - restarts(a) ||
    created(b) - created(a)
  );
}

/**
 * kube-controller-manager's ReplicaSet controller: keeps `spec.replicas` pods that it controls (created from the
 * template with generateName and a controller ownerReference), deletes the cheapest surplus, and reports
 * replicas / ready / available / observedGeneration in status. Writes status only when it changes.
 */
export class ReplicaSetController {
  private readonly loop: RunningController;
  private readonly expectations: Expectations;

  constructor(
    private readonly state: ClusterState,
    private readonly api: ClusterApi,
    private readonly clock: Clock,
    logger: Logger,
  ) {
    this.expectations = new Expectations(() => clock.now());
    this.loop = runController('replicaset', (key) => this.reconcile(key), { clock, logger });
    state.on('replicasets', (type, rs) => {
      if (type === 'delete') this.expectations.forget(uidOf(rs));
      this.loop.enqueue(keyOf(rs));
    });
    state.on('pods', (type, pod) => {
      const owner = controllerOf(pod);
      if (owner?.kind !== 'ReplicaSet') return;
      if (type !== 'delete') this.expectations.observedCreated(owner.uid, pod.metadata.name);
      if (type === 'delete' || !isActivePod(pod)) this.expectations.observedDeleted(owner.uid, uidOf(pod));
      this.loop.enqueue(`${pod.metadata.namespace}/${owner.name}`);
    });
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  async reconcile(key: string): Promise<{ requeueAfterMs?: number }> {
    const rs = this.state.get('replicasets', key);
    if (!rs?.metadata.uid) return {};
    const uid = rs.metadata.uid;
    if (rs.metadata.deletionTimestamp) {
      this.expectations.forget(uid);
      return {};
    }
    const desired = num(spec(rs).replicas, 1);
    const owned = this.state.ownedBy('pods', uid);
    const deleting = this.expectations.pendingDeletions(uid);
    const active = owned.filter((p) => isActivePod(p) && !deleting.has(uidOf(p)));
    const seen = new Set(owned.map((p) => p.metadata.name));
    const inFlight = this.expectations.pendingCreations(uid).filter((name) => !seen.has(name));
    const diff = active.length + inFlight.length - desired;
    if (diff < 0) await this.createPods(rs, -diff);
    else if (diff > 0 && inFlight.length === 0)
      await this.deletePods(rs, [...active].sort(deletionOrder).slice(0, diff));
    return this.writeStatus(rs, active);
  }

  private async createPods(rs: KubeObject, count: number): Promise<void> {
    const template = obj(spec(rs).template);
    const meta = obj(template.metadata);
    const namespace = rs.metadata.namespace as string;
    // Slow start, as upstream: batches of 1, 2, 4, ... stop at the first failure, and once the ReplicaSet is gone
    // (deleted while scaling up) nothing more is created for it.
    let created = 0;
    for (let batch = 1; created < count; batch *= 2) {
      const current = this.state.get('replicasets', keyOf(rs));
      if (!current || current.metadata.uid !== uidOf(rs) || current.metadata.deletionTimestamp) return;
      const size = Math.min(batch, count - created);
      await mapLimit(Array.from({ length: size }), WRITE_CONCURRENCY, () =>
        this.createPod(rs, namespace, meta, template),
      );
      created += size;
    }
  }

  private async createPod(
    rs: KubeObject,
    namespace: string,
    meta: Record<string, unknown>,
    template: Record<string, unknown>,
  ): Promise<void> {
    const created = await this.api.create(PODS, namespace, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        generateName: `${rs.metadata.name}-`,
        namespace,
        labels: meta.labels ?? {},
        ...(meta.annotations ? { annotations: meta.annotations } : {}),
        ownerReferences: [controllerRef(rs, 'apps/v1', 'ReplicaSet')],
      },
      spec: template.spec ?? {},
    });
    if (!this.state.get('pods', keyOf(created)))
      this.expectations.expectCreated(uidOf(rs), created.metadata.name);
    this.api.event(
      'replicaset-controller',
      rs,
      'Normal',
      'SuccessfulCreate',
      `Created pod: ${created.metadata.name}`,
    );
  }

  private async deletePods(rs: KubeObject, pods: KubeObject[]): Promise<void> {
    await mapLimit(pods, WRITE_CONCURRENCY, async (pod) => {
      this.expectations.expectDeleted(uidOf(rs), uidOf(pod));
      await this.api.delete(PODS, pod.metadata.namespace, pod.metadata.name, { uid: uidOf(pod) });
      this.api.event(
        'replicaset-controller',
        rs,
        'Normal',
        'SuccessfulDelete',
        `Deleted pod: ${pod.metadata.name}`,
      );
    });
  }

  private async writeStatus(rs: KubeObject, active: KubeObject[]): Promise<{ requeueAfterMs?: number }> {
    const now = this.clock.now();
    const minReady = num(spec(rs).minReadySeconds, 0);
    const templateLabels = obj(obj(obj(spec(rs).template).metadata).labels);
    const ready = active.filter(isPodReady);
    const available = active.filter((p) => isPodAvailable(p, minReady, now));
    const next = {
      replicas: active.length,
      fullyLabeledReplicas: active.filter((p) =>
        Object.entries(templateLabels).every(([k, v]) => labelsOf(p)[k] === v),
      ).length,
      readyReplicas: ready.length,
      availableReplicas: available.length,
      observedGeneration: rs.metadata.generation ?? 1,
    };
    const current = status(rs);
    const changed = (Object.keys(next) as (keyof typeof next)[]).some((k) => num(current[k], 0) !== next[k]);
    if (changed)
      await this.api.patch(REPLICASETS, rs.metadata.namespace, rs.metadata.name, { status: next }, 'status');
    // A pod that is Ready but not yet available for minReadySeconds: look again when it will be.
    return ready.length > available.length ? { requeueAfterMs: Math.max(100, minReady * 1000) } : {};
  }
}
