import type { Logger } from 'pino';
import type { KubeObject } from '../kube/kube-object.js';
import { isStatus } from '../kube/rest-client.js';
import { labelSelectorFromObject, matchesLabels } from '../sandbox/selectors.js';
import type { Clock } from '../time/clock.js';
import { type ClusterApi, PDBS } from './cluster-api.js';
import type { ClusterState } from './cluster-state.js';
import { type RunningController, runController } from './controller-runner.js';
import { scaledValue } from './int-or-percent.js';
import {
  controllerOf,
  isPodReady,
  keyOf,
  kubeTime,
  labelsOf,
  num,
  obj,
  spec,
  status,
  timeMs,
} from './objects.js';
import { canonical } from './pod-template-hash.js';

/** How long an eviction's entry in disruptedPods holds its pod out of currentHealthy (the controller's timeout). */
const DELETION_TIMEOUT_MS = 2 * 60_000;

/**
 * kube-controller-manager's disruption controller: keeps each PodDisruptionBudget's status (expectedPods,
 * desiredHealthy, currentHealthy, disruptionsAllowed, disruptedPods, the DisruptionAllowed condition), which the
 * Eviction API in the sandbox reads and spends.
 */
export class DisruptionController {
  private readonly loop: RunningController;

  constructor(
    private readonly state: ClusterState,
    private readonly api: ClusterApi,
    private readonly clock: Clock,
    logger: Logger,
  ) {
    this.loop = runController('disruption', (key) => this.reconcile(key), { clock, logger, workers: 2 });
    state.on('poddisruptionbudgets', (_type, pdb) => this.loop.enqueue(keyOf(pdb)));
    state.on('pods', (_type, pod) => {
      for (const pdb of this.state.list('poddisruptionbudgets')) {
        if (pdb.metadata.namespace === pod.metadata.namespace) this.loop.enqueue(keyOf(pdb));
      }
    });
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** The replicas a pod's controller wants (Deployment through its ReplicaSet, ReplicaSet, StatefulSet). */
  private controllerScale(pod: KubeObject): { uid: string; replicas: number } | undefined {
    const owner = controllerOf(pod);
    if (!owner) return undefined;
    const direct = this.state.byUid(owner.uid);
    if (!direct) return undefined;
    const parent = owner.kind === 'ReplicaSet' ? controllerOf(direct) : undefined;
    const top = parent?.kind === 'Deployment' ? this.state.byUid(parent.uid) : undefined;
    const scaled = top ?? direct;
    return { uid: scaled.metadata.uid ?? '', replicas: num(spec(scaled).replicas, 1) };
  }

  async reconcile(key: string): Promise<{ requeueAfterMs?: number }> {
    const pdb = this.state.get('poddisruptionbudgets', key);
    if (!pdb || pdb.metadata.deletionTimestamp) return {};
    const pdbSpec = spec(pdb);
    const selector = pdbSpec.selector;
    // The sandbox rejects a bad selector; one that slipped in (written before that check) is skipped, not thrown on.
    let parsed: ReturnType<typeof labelSelectorFromObject> | undefined;
    try {
      parsed =
        selector === undefined || selector === null ? undefined : labelSelectorFromObject(selector as never);
    } catch {
      return {};
    }
    const pods =
      selector === undefined || selector === null
        ? []
        : this.state
            .podsIn(pdb.metadata.namespace ?? '')
            .filter((p) => matchesLabels(parsed as NonNullable<typeof parsed>, labelsOf(p)));
    const now = this.clock.now();
    const previous = status(pdb);
    const disrupted: Record<string, string> = {};
    let recheck: number | undefined;
    for (const [name, at] of Object.entries(obj(previous.disruptedPods))) {
      const pod = pods.find((p) => p.metadata.name === name);
      const since = timeMs(at) ?? now;
      if (!pod || pod.metadata.deletionTimestamp) continue;
      if (since + DELETION_TIMEOUT_MS <= now) continue;
      disrupted[name] = String(at);
      recheck = Math.min(recheck ?? Number.POSITIVE_INFINITY, since + DELETION_TIMEOUT_MS - now);
    }
    let expected = pods.length;
    const usesScale = pdbSpec.maxUnavailable !== undefined || typeof pdbSpec.minAvailable === 'string';
    if (usesScale) {
      const controllers = new Map<string, number>();
      for (const pod of pods) {
        const scale = this.controllerScale(pod);
        if (scale) controllers.set(scale.uid, scale.replicas);
      }
      expected = [...controllers.values()].reduce((a, b) => a + b, 0);
    }
    // getExpectedPodCount: a budget with neither field expects and desires nothing (and so allows nothing).
    let desired = 0;
    if (pdbSpec.maxUnavailable !== undefined) {
      desired = Math.max(0, expected - scaledValue(pdbSpec.maxUnavailable, expected, true, 0));
    } else if (pdbSpec.minAvailable !== undefined) {
      desired = scaledValue(pdbSpec.minAvailable, expected, true, 0);
    } else {
      expected = 0;
    }
    const healthy = pods.filter(
      (p) => isPodReady(p) && !p.metadata.deletionTimestamp && disrupted[p.metadata.name] === undefined,
    ).length;
    // No pods expected, no disruption allowed (the controller's rule, whatever minAvailable says).
    const allowed = expected <= 0 ? 0 : Math.max(0, healthy - desired);
    const generation = pdb.metadata.generation ?? 1;
    const previousCondition = (previous.conditions as unknown[] | undefined)
      ?.map(obj)
      .find((c) => c.type === 'DisruptionAllowed');
    const conditionStatus = allowed > 0 ? 'True' : 'False';
    const next = {
      observedGeneration: generation,
      ...(Object.keys(disrupted).length > 0 ? { disruptedPods: disrupted } : {}),
      disruptionsAllowed: allowed,
      currentHealthy: healthy,
      desiredHealthy: desired,
      expectedPods: expected,
      conditions: [
        {
          type: 'DisruptionAllowed',
          status: conditionStatus,
          reason: allowed > 0 ? 'SufficientPods' : 'InsufficientPods',
          message: '',
          observedGeneration: generation,
          lastTransitionTime:
            previousCondition?.status === conditionStatus
              ? String(previousCondition.lastTransitionTime)
              : kubeTime(now),
        },
      ],
    };
    if (canonical(next) === canonical(previous))
      return recheck === undefined ? {} : { requeueAfterMs: recheck };
    try {
      await this.api.replace(
        PDBS,
        pdb.metadata.namespace,
        pdb.metadata.name,
        { ...pdb, status: next },
        'status',
      );
    } catch (error) {
      // An eviction spent a disruption meanwhile: recompute from the fresh object.
      if (isStatus(error, 409)) return { requeueAfterMs: 50 };
      throw error;
    }
    return recheck === undefined ? {} : { requeueAfterMs: recheck };
  }
}
