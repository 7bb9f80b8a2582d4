import type { Logger } from 'pino';
import type { KubeObject } from '../kube/kube-object.js';
import { isStatus } from '../kube/rest-client.js';
import type { Clock } from '../time/clock.js';
import { type ClusterApi, CONTROLLER_REVISIONS, collectionPath, PODS, STATEFULSETS } from './cluster-api.js';
import type { ClusterState } from './cluster-state.js';
import { type RunningController, runController } from './controller-runner.js';
import {
  CONTROLLER_REVISION_HASH,
  controllerOf,
  controllerRef,
  isPodReady,
  keyOf,
  labelsOf,
  num,
  obj,
  spec,
  status,
  uidOf,
} from './objects.js';
import { canonical, computeHash, normalized } from './pod-template-hash.js';

const HASH_LABEL = 'controller.kubernetes.io/hash';

function revisionData(sts: KubeObject): Record<string, unknown> {
  return { spec: { template: { ...obj(spec(sts).template), $patch: 'replace' } } };
}

const revisionNumber = (r: KubeObject) => num((r as Record<string, unknown>).revision, 0);

function ordinalOf(sts: KubeObject, pod: KubeObject): number | undefined {
  const prefix = `${sts.metadata.name}-`;
  if (!pod.metadata.name.startsWith(prefix)) return undefined;
  const n = Number(pod.metadata.name.slice(prefix.length));
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

const runningAndReady = (pod: KubeObject) =>
  !pod.metadata.deletionTimestamp && status(pod).phase === 'Running' && isPodReady(pod);

/**
 * kube-controller-manager's StatefulSet controller: ordered pods `name-0..n-1` (OrderedReady waits for each to be
 * Running and Ready; Parallel does not), a ControllerRevision per template (a rollback re-numbers the old one), a
 * rolling update from the highest ordinal down to the partition, and the status `kubectl rollout status` reads.
 */
export class StatefulSetController {
  private readonly loop: RunningController;

  constructor(
    private readonly state: ClusterState,
    private readonly api: ClusterApi,
    clock: Clock,
    logger: Logger,
  ) {
    this.loop = runController('statefulset', (key) => this.reconcile(key), { clock, logger });
    state.on('statefulsets', (_type, sts) => this.loop.enqueue(keyOf(sts)));
    const byOwner = (_type: unknown, o: KubeObject) => {
      const owner = controllerOf(o);
      if (owner?.kind === 'StatefulSet') this.loop.enqueue(`${o.metadata.namespace}/${owner.name}`);
    };
    state.on('pods', byOwner);
    state.on('controllerrevisions', byOwner);
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  async reconcile(key: string): Promise<{ requeueAfterMs?: number }> {
    const sts = this.state.get('statefulsets', key);
    if (!sts?.metadata.uid || sts.metadata.deletionTimestamp) return {};
    const update = await this.updateRevision(sts);
    if (!update) return { requeueAfterMs: 200 };
    const current = String(status(sts).currentRevision ?? update.metadata.name);
    const replicas = num(spec(sts).replicas, 1);
    const parallel = spec(sts).podManagementPolicy === 'Parallel';
    const partition = num(obj(obj(spec(sts).updateStrategy).rollingUpdate).partition, 0);
    const pods = this.state.ownedBy('pods', uidOf(sts));
    const byOrdinal = new Map<number, KubeObject>();
    for (const pod of pods) {
      const n = ordinalOf(sts, pod);
      if (n !== undefined) byOrdinal.set(n, pod);
    }
    const revisionFor = (ordinal: number) =>
      ordinal >= partition ? update : (this.revisionNamed(sts, current) ?? update);
    // Create missing pods in order (OrderedReady: only once every lower ordinal is Running and Ready).
    for (let i = 0; i < replicas; i++) {
      const pod = byOrdinal.get(i);
      if (pod) {
        if (status(pod).phase === 'Failed' && !pod.metadata.deletionTimestamp) {
          await this.deletePod(sts, pod);
          return {};
        }
        if (!parallel && !runningAndReady(pod)) return this.writeStatus(sts, pods, update, current, replicas);
        continue;
      }
      await this.createPod(sts, i, revisionFor(i));
      if (!parallel) return this.writeStatus(sts, pods, update, current, replicas);
    }
    // Scale down from the highest ordinal, one at a time unless Parallel.
    const condemned = [...byOrdinal.entries()].filter(([n]) => n >= replicas).sort(([a], [b]) => b - a);
    for (const [, pod] of condemned) {
      if (!pod.metadata.deletionTimestamp) await this.deletePod(sts, pod);
      if (!parallel) return this.writeStatus(sts, pods, update, current, replicas);
    }
    // Rolling update: highest ordinal first, down to the partition, once everything is Running and Ready.
    const strategy = obj(spec(sts).updateStrategy).type ?? 'RollingUpdate';
    const settled = [...byOrdinal.values()].every(runningAndReady);
    if (strategy === 'RollingUpdate' && settled) {
      for (let i = replicas - 1; i >= partition; i--) {
        const pod = byOrdinal.get(i);
        if (pod && labelsOf(pod)[CONTROLLER_REVISION_HASH] !== update.metadata.name) {
          await this.deletePod(sts, pod);
          break;
        }
      }
    }
    await this.truncateHistory(sts, pods, update.metadata.name, current);
    return this.writeStatus(sts, pods, update, current, replicas);
  }

  /** Keeps spec.revisionHistoryLimit revisions besides the live ones (current, update, any a pod runs). */
  private async truncateHistory(
    sts: KubeObject,
    pods: KubeObject[],
    update: string,
    current: string,
  ): Promise<void> {
    const live = new Set([update, current, ...pods.map((p) => labelsOf(p)[CONTROLLER_REVISION_HASH])]);
    const history = this.state
      .ownedBy('controllerrevisions', uidOf(sts))
      .filter((r) => !live.has(r.metadata.name))
      .sort((a, b) => revisionNumber(a) - revisionNumber(b));
    const limit = num(spec(sts).revisionHistoryLimit, 10);
    for (const old of history.slice(0, Math.max(0, history.length - limit))) {
      await this.api.delete(CONTROLLER_REVISIONS, old.metadata.namespace, old.metadata.name, {
        uid: uidOf(old),
      });
    }
  }

  private revisionNamed(sts: KubeObject, name: string): KubeObject | undefined {
    return this.state.ownedBy('controllerrevisions', uidOf(sts)).find((r) => r.metadata.name === name);
  }

  /** The ControllerRevision of the current template: found, re-numbered (a rollback), or created. */
  private async updateRevision(sts: KubeObject): Promise<KubeObject | undefined> {
    const data = revisionData(sts);
    const revisions = this.state.ownedBy('controllerrevisions', uidOf(sts));
    const max = Math.max(0, ...revisions.map(revisionNumber));
    const equal = revisions.find(
      (r) => canonical(normalized((r as Record<string, unknown>).data)) === canonical(normalized(data)),
    );
    if (equal) {
      const own = revisionNumber(equal);
      if (own < max) {
        return this.api.replace(CONTROLLER_REVISIONS, equal.metadata.namespace, equal.metadata.name, {
          ...equal,
          revision: max + 1,
        });
      }
      return equal;
    }
    const collisionCount = num(status(sts).collisionCount, 0);
    const hash = computeHash(data, collisionCount);
    try {
      return await this.api.create(CONTROLLER_REVISIONS, sts.metadata.namespace, {
        apiVersion: 'apps/v1',
        kind: 'ControllerRevision',
        metadata: {
          name: `${sts.metadata.name}-${hash}`,
          namespace: sts.metadata.namespace,
          labels: { ...obj(obj(obj(spec(sts).template).metadata).labels), [HASH_LABEL]: hash },
          ownerReferences: [controllerRef(sts, 'apps/v1', 'StatefulSet')],
        },
        data,
        revision: max + 1,
      });
    } catch (error) {
      if (!isStatus(error, 409)) throw error;
      // Our own revision that the cache does not show yet is no collision; another one with this name is.
      const existing = await this.api.rest
        .request<KubeObject>({
          method: 'GET',
          path: `${collectionPath(CONTROLLER_REVISIONS.gv, CONTROLLER_REVISIONS.plural, sts.metadata.namespace)}/${sts.metadata.name}-${hash}`,
        })
        .catch(() => undefined);
      if (
        existing &&
        controllerOf(existing)?.uid === uidOf(sts) &&
        canonical(normalized((existing as Record<string, unknown>).data)) === canonical(normalized(data))
      )
        return existing;
      await this.api.patch(
        STATEFULSETS,
        sts.metadata.namespace,
        sts.metadata.name,
        { status: { collisionCount: collisionCount + 1 } },
        'status',
      );
      return undefined;
    }
  }

  private async createPod(sts: KubeObject, ordinal: number, revision: KubeObject): Promise<void> {
    const template = obj(obj(obj((revision as Record<string, unknown>).data).spec).template);
    const { $patch: _ignored, ...clean } = template;
    const meta = obj(clean.metadata);
    const name = `${sts.metadata.name}-${ordinal}`;
    try {
      await this.api.create(PODS, sts.metadata.namespace, {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name,
          namespace: sts.metadata.namespace,
          labels: {
            ...obj(meta.labels),
            [CONTROLLER_REVISION_HASH]: revision.metadata.name,
            'statefulset.kubernetes.io/pod-name': name,
            'apps.kubernetes.io/pod-index': String(ordinal),
          },
          ...(meta.annotations ? { annotations: meta.annotations } : {}),
          ownerReferences: [controllerRef(sts, 'apps/v1', 'StatefulSet')],
        },
        spec: {
          ...obj(clean.spec),
          hostname: name,
          ...(spec(sts).serviceName ? { subdomain: spec(sts).serviceName } : {}),
        },
      });
      this.api.event(
        'statefulset-controller',
        sts,
        'Normal',
        'SuccessfulCreate',
        `create Pod ${name} in StatefulSet ${sts.metadata.name} successful`,
      );
    } catch (error) {
      // The previous pod of this ordinal is still terminating: try again when it is gone.
      if (!isStatus(error, 409)) throw error;
    }
  }

  private async deletePod(sts: KubeObject, pod: KubeObject): Promise<void> {
    await this.api.delete(PODS, pod.metadata.namespace, pod.metadata.name, { uid: uidOf(pod) });
    this.api.event(
      'statefulset-controller',
      sts,
      'Normal',
      'SuccessfulDelete',
      `delete Pod ${pod.metadata.name} in StatefulSet ${sts.metadata.name} successful`,
    );
  }

  private async writeStatus(
    sts: KubeObject,
    pods: KubeObject[],
    update: KubeObject,
    current: string,
    replicas: number,
  ): Promise<{ requeueAfterMs?: number }> {
    const mine = pods.filter((p) => {
      const n = ordinalOf(sts, p);
      return n !== undefined && n < replicas;
    });
    const updated = mine.filter((p) => labelsOf(p)[CONTROLLER_REVISION_HASH] === update.metadata.name).length;
    const ready = mine.filter(runningAndReady).length;
    const done = updated === replicas && ready === replicas;
    const currentRevision = done ? update.metadata.name : current;
    const next = {
      observedGeneration: sts.metadata.generation ?? 1,
      replicas: mine.length,
      readyReplicas: ready,
      availableReplicas: ready,
      currentReplicas: mine.filter((p) => labelsOf(p)[CONTROLLER_REVISION_HASH] === currentRevision).length,
      updatedReplicas: updated,
      currentRevision,
      updateRevision: update.metadata.name,
      collisionCount: num(status(sts).collisionCount, 0),
    };
    const previous = status(sts);
    const changed = (Object.keys(next) as (keyof typeof next)[]).some((k) => previous[k] !== next[k]);
    if (changed)
      await this.api.patch(
        STATEFULSETS,
        sts.metadata.namespace,
        sts.metadata.name,
        { status: next },
        'status',
      );
    return {};
  }
}
