import type { Logger } from 'pino';
import type { KubeObject } from '../kube/kube-object.js';
import type { Clock } from '../time/clock.js';
import { type ResolvedBehaviour, resolveBehaviour } from './behaviour-spec.js';
import { type ClusterApi, PODS } from './cluster-api.js';
import type { ClusterState } from './cluster-state.js';
import { type RunningController, runController } from './controller-runner.js';
import {
  annotationsOf,
  containersOf,
  controllerOf,
  keyOf,
  num,
  spec,
  str,
  timeMs,
  uidOf,
} from './objects.js';
import { PodSim } from './pod-sim.js';
import { canonical } from './pod-template-hash.js';
import { TimerHeap } from './timer-heap.js';
import { isTroubled, regimeFor, TroubleLedger } from './trouble-ledger.js';
import { workloadOf } from './workload-facts.js';

interface Fate {
  behaviour: ResolvedBehaviour;
  troubled: boolean;
  /** When the trouble began (seconds). */
  since: number;
  workload: string;
}

export interface SimulatedNode {
  name: string;
  cores: number;
  memoryBytes: number;
  ip: string;
  index: number;
}

export interface KubeletListener {
  /** A pod the kubelet ran is gone from the API: its CPU seconds stay in the node's counters. */
  podRemoved(node: string, pod: PodSim, nowSeconds: number): void;
  /** An annotation on a workload or pod could not be used. */
  behaviourProblems(object: KubeObject, kind: string, problems: string[]): void;
}

function qosClass(pod: KubeObject): string {
  const cs = containersOf(pod);
  if (
    cs.every(
      (c) =>
        c.cpuLimit === undefined &&
        c.memoryLimit === undefined &&
        c.cpuRequest === 0 &&
        c.memoryRequest === 0,
    )
  )
    return 'BestEffort';
  const guaranteed = cs.every(
    (c) =>
      c.cpuLimit !== undefined &&
      c.memoryLimit !== undefined &&
      c.cpuRequest === c.cpuLimit &&
      c.memoryRequest === c.memoryLimit,
  );
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/**
 * The kubelets of the simulated nodes, as one component: for every pod bound to one of them it runs a PodSim,
 * writes the pod's status through the API when (and only when) it changes, wakes up exactly when a pod's next
 * visible change is due, stops containers on graceful deletion and then removes the pod. Behaviour annotations
 * decide which container misbehaves and how; the TroubleLedger decides when a cure has happened.
 */
export class Kubelets {
  readonly pods = new Map<string, PodSim>();
  private readonly keys = new Map<string, string>();
  private readonly nodes: Map<string, SimulatedNode>;
  private readonly ledger = new TroubleLedger();
  private readonly heap = new TimerHeap();
  private readonly loop: RunningController;
  private readonly ipCounters = new Map<string, number>();
  private cancelTimer: (() => void) | undefined;
  private timerAt: number | undefined;
  private stopped = false;

  constructor(
    nodes: SimulatedNode[],
    private readonly state: ClusterState,
    private readonly api: ClusterApi,
    private readonly clock: Clock,
    private readonly listener: KubeletListener,
    logger: Logger,
  ) {
    this.nodes = new Map(nodes.map((n) => [n.name, n]));
    this.loop = runController('kubelet', (key) => this.sync(key), { clock, logger, workers: 8 });
    state.on('pods', (type, pod) => {
      if (type === 'delete') this.forget(pod);
      else if (this.nodes.has(str(spec(pod).nodeName) ?? '')) this.loop.enqueue(keyOf(pod));
    });
    // A workload's annotations, replicas or revisions changed: its pods may have a new fate.
    for (const resource of ['deployments', 'statefulsets', 'replicasets', 'controllerrevisions'] as const) {
      state.on(resource, (_type, object) => this.resyncWorkload(object));
    }
    // A deleted workload's episode goes with it (a new one under the same name starts afresh).
    const kinds = {
      deployments: 'Deployment',
      statefulsets: 'StatefulSet',
      replicasets: 'ReplicaSet',
    } as const;
    for (const [resource, kind] of Object.entries(kinds) as [keyof typeof kinds, string][]) {
      state.on(resource, (type, object) => {
        if (type === 'delete') this.ledger.forget(`${kind}/${uidOf(object)}`);
      });
    }
  }

  start(): void {
    this.loop.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelTimer?.();
    await this.loop.stop();
  }

  node(name: string): SimulatedNode | undefined {
    return this.nodes.get(name);
  }

  nodeList(): SimulatedNode[] {
    return [...this.nodes.values()];
  }

  private now(): number {
    return this.clock.now() / 1000;
  }

  /** Pods of the workload that `object` (a Deployment, StatefulSet, ReplicaSet or ControllerRevision) belongs to. */
  private resyncWorkload(object: KubeObject): void {
    const owner = controllerOf(object);
    const top =
      owner && (owner.kind === 'Deployment' || owner.kind === 'StatefulSet') ? owner.uid : uidOf(object);
    const pods = [...this.state.ownedBy('pods', top)];
    for (const rs of this.state.ownedBy('replicasets', top))
      pods.push(...this.state.ownedBy('pods', uidOf(rs)));
    for (const pod of pods) if (this.nodes.has(str(spec(pod).nodeName) ?? '')) this.loop.enqueue(keyOf(pod));
  }

  private forget(pod: KubeObject): void {
    const sim = this.pods.get(uidOf(pod));
    if (!sim) return;
    this.pods.delete(uidOf(pod));
    this.keys.delete(uidOf(pod));
    this.heap.set(uidOf(pod), undefined);
    this.listener.podRemoved(sim.id.node, sim, this.now());
  }

  private behaviourOf(pod: KubeObject): Fate {
    const workload = workloadOf(this.state, pod);
    const behaviour = resolveBehaviour([annotationsOf(pod), annotationsOf(workload.object)]);
    // Each problem is reported on the object whose annotation has it: the pod's own, or its workload's.
    const own = new Set(resolveBehaviour([annotationsOf(pod)]).problems);
    const onPod = behaviour.problems.filter((p) => own.has(p));
    const onWorkload = behaviour.problems.filter((p) => !own.has(p));
    const names = containersOf(pod).map((c) => c.name);
    const container = behaviour.params.container;
    if (container !== undefined && !names.includes(container)) {
      const problem = `sandbox.coordination-engine.io/container: "${container}" is not a container of pod ${pod.metadata.name} (${names.join(', ')}); the first one misbehaves`;
      (annotationsOf(pod)['sandbox.coordination-engine.io/container'] !== undefined
        ? onPod
        : onWorkload
      ).push(problem);
    }
    if (onPod.length > 0) this.listener.behaviourProblems(pod, 'Pod', onPod);
    if (onWorkload.length > 0 && workload.object)
      this.listener.behaviourProblems(workload.object, workload.key.split('/')[0] ?? 'Pod', onWorkload);
    const nowMs = this.clock.now();
    const episode = this.ledger.episode(workload.key, behaviour, workload.facts, nowMs);
    const troubled = isTroubled(behaviour, episode, workload.facts, {
      templateHash: workload.templateHash,
      createdMs: timeMs(pod.metadata.creationTimestamp) ?? nowMs,
    });
    return { behaviour, troubled, since: episode.since / 1000, workload: workload.key };
  }

  private ensureSim(pod: KubeObject, node: SimulatedNode, fate: Fate): PodSim {
    const uid = uidOf(pod);
    const existing = this.pods.get(uid);
    if (existing) return existing;
    const n = (this.ipCounters.get(node.name) ?? 0) + 1;
    this.ipCounters.set(node.name, n);
    const sim = this.buildSim(pod, node, fate, this.now(), `10.244.${node.index}.${(n % 250) + 2}`);
    this.pods.set(uid, sim);
    this.keys.set(uid, keyOf(pod));
    return sim;
  }

  /** A PodSim for `pod` as if its kubelet had started it at `startedAt` (seconds); deterministic in its inputs. */
  private buildSim(
    pod: KubeObject,
    node: SimulatedNode,
    fate: Fate,
    startedAt: number,
    podIP: string,
  ): PodSim {
    const specs = containersOf(pod);
    const target = specs.some((c) => c.name === fate.behaviour.params.container)
      ? fate.behaviour.params.container
      : specs[0]?.name;
    return new PodSim(
      {
        uid: uidOf(pod),
        namespace: pod.metadata.namespace ?? 'default',
        name: pod.metadata.name,
        node: node.name,
        hostIP: node.ip,
        podIP,
        qosClass: qosClass(pod),
      },
      specs,
      fate.behaviour.params,
      startedAt,
      (container) =>
        regimeFor(
          fate.behaviour,
          fate.troubled && container === target,
          fate.troubled ? Math.min(fate.since, startedAt) : startedAt,
        ),
      node.cores,
    );
  }

  /**
   * Re-runs every pod the kubelets run as if it had been started at `fromSeconds` with the behaviour it has now,
   * and returns, per pod, a second identical simulation (not advanced) for rendering the past. The live pods then
   * continue exactly where that history ends: restart counts, counters and memory all join up.
   */
  backdate(fromSeconds: number): Array<{ pod: KubeObject; sim: PodSim }> {
    const twins: Array<{ pod: KubeObject; sim: PodSim }> = [];
    for (const [uid, live] of this.pods) {
      const key = this.keys.get(uid);
      const pod = key ? this.state.get('pods', key) : undefined;
      const node = this.nodes.get(live.id.node);
      if (!pod || !node || live.deleting) continue;
      const fate = this.behaviourOf(pod);
      const backdated = this.buildSim(pod, node, fate, fromSeconds, live.id.podIP);
      this.pods.set(uid, backdated);
      twins.push({ pod, sim: this.buildSim(pod, node, fate, fromSeconds, live.id.podIP) });
      this.loop.enqueue(keyOf(pod));
    }
    return twins;
  }

  private async sync(key: string): Promise<{ requeueAfterMs?: number }> {
    if (this.stopped) return {};
    const pod = this.state.get('pods', key);
    const node = pod ? this.nodes.get(str(spec(pod).nodeName) ?? '') : undefined;
    if (!pod || !node) return {};
    const now = this.now();
    const fate = this.behaviourOf(pod);
    const existed = this.pods.has(uidOf(pod));
    const sim = this.ensureSim(pod, node, fate);
    if (pod.metadata.deletionTimestamp) {
      // Deleting (or evicting) a pod that was running its trouble is the `restart` cure.
      // The cure dates from the DELETE itself (deletionTimestamp minus the grace period): the replacement may be
      // created before this kubelet gets to see the deletion.
      if (!sim.deleting && fate.troubled && existed) {
        const requested =
          (timeMs(pod.metadata.deletionTimestamp) ?? this.clock.now()) -
          num(pod.metadata.deletionGracePeriodSeconds, 0) * 1000;
        this.ledger.restarted(fate.workload, fate.behaviour.cure, Math.min(requested, this.clock.now()));
      }
      // Every sync: a later DELETE may have shortened the grace period (stop keeps the earliest).
      sim.stop(now, num(pod.metadata.deletionGracePeriodSeconds, 30));
    } else if (existed) {
      if (canonical(fate.behaviour.params) !== canonical(sim.params))
        sim.setParams(fate.behaviour.params, now);
      for (const c of sim.specs) {
        const isTarget = c.name === sim.target;
        sim.setRegime(
          c.name,
          regimeFor(fate.behaviour, fate.troubled && isTarget, fate.troubled ? fate.since : now),
          now,
        );
      }
    }
    const status = sim.status(now);
    const rendered = canonical(status);
    if (rendered !== sim.lastWritten) {
      await this.api.patch(PODS, pod.metadata.namespace, pod.metadata.name, { status }, 'status');
      sim.lastWritten = rendered;
    }
    for (const [type, reason, message] of sim.newEvents())
      this.api.event('kubelet', pod, type, reason, message);
    if (sim.deleting && sim.allStopped && !sim.removed) {
      // Marked only once the API took it: a failed DELETE is retried by the workqueue's back-off.
      await this.api.delete(PODS, pod.metadata.namespace, pod.metadata.name, {
        uid: uidOf(pod),
        gracePeriodSeconds: 0,
      });
      sim.removed = true;
    }
    this.schedule(uidOf(pod), sim.nextEventAt(now));
    return {};
  }

  /** Wakes the loop when the earliest pod is due. */
  private schedule(uid: string, at: number | undefined): void {
    this.heap.set(uid, at);
    const next = this.heap.peek();
    if (next === undefined || this.stopped) return;
    if (this.timerAt !== undefined && this.timerAt <= next) return;
    this.cancelTimer?.();
    this.timerAt = next;
    this.cancelTimer = this.clock.schedule(() => this.fire(), Math.max(0, next * 1000 - this.clock.now()));
  }

  private fire(): void {
    this.timerAt = undefined;
    this.cancelTimer = undefined;
    for (const uid of this.heap.popDue(this.now())) {
      const key = this.keys.get(uid);
      if (key) this.loop.enqueue(key);
    }
    const next = this.heap.peek();
    if (next !== undefined && !this.stopped) {
      this.timerAt = next;
      this.cancelTimer = this.clock.schedule(() => this.fire(), Math.max(0, next * 1000 - this.clock.now()));
    }
  }
}
