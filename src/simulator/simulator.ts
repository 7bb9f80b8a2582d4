import type { KubeConfig } from '@kubernetes/client-node';
import type { KubeObject } from '../kube/kube-object.js';
import { KubeRest } from '../kube/rest-client.js';
import { createLogger, type Logger } from '../log/logger.js';
import { type Clock, systemClock } from '../time/clock.js';
import { ClusterApi } from './cluster-api.js';
import { ClusterState } from './cluster-state.js';
import { DeploymentController } from './deployment-controller.js';
import { DisruptionController } from './disruption-controller.js';
import { Exporter } from './exporter.js';
import { renderHistory } from './history.js';
import { Kubelets } from './kubelet.js';
import { NodeLedger } from './node-ledger.js';
import { type NodePlan, planNodes, registerNodes } from './nodes.js';
import { ReplicaSetController } from './replicaset-controller.js';
import type { SampleSeries } from './sample-series.js';
import { Scheduler } from './scheduler.js';
import { SimEvents } from './sim-events.js';
import { StatefulSetController } from './statefulset-controller.js';

export interface SimulatorOptions {
  kubeConfig: KubeConfig;
  nodes?: NodePlan;
  clock?: Clock;
  logger?: Logger;
  /** Serve the exporter's /metrics here (0 picks a free port); omitted: no exporter. */
  exporterPort?: number;
  exporterHost?: string;
  /** Write the Events a control plane writes (Scheduled, Started, BackOff, ScalingReplicaSet, ...). Default true. */
  events?: boolean;
}

/**
 * A simulated control plane that talks to the API like kube-controller-manager, kube-scheduler and the kubelets do
 * (list/watch plus writes): Deployments → ReplicaSets → Pods, StatefulSets with ControllerRevisions, a scheduler,
 * kubelets that run pods with failures on demand, a disruption controller for PodDisruptionBudgets, and an exporter
 * with cAdvisor, kube-state-metrics and node-exporter series.
 */
export class Simulator {
  private constructor(
    readonly state: ClusterState,
    readonly kubelets: Kubelets,
    readonly exporter: Exporter | undefined,
    private readonly parts: { start(): void; stop(): Promise<void> }[],
    private readonly clock: Clock,
    private readonly startSeconds: number,
    private readonly rest: KubeRest,
    private readonly api: ClusterApi,
    private readonly ledger: NodeLedger,
  ) {}

  /** What the simulator runs and what it has cost the API server so far. */
  stats(): { pods: number; nodes: number; writes: number } {
    return { pods: this.kubelets.pods.size, nodes: this.kubelets.nodeList().length, writes: this.api.writes };
  }

  /**
   * Gives the running pods a past: each is re-run as if started `seconds` ago with the behaviour it has now, and
   * the exporter's series over that past are returned (one sample per `stepSeconds`, ending before now) for a
   * Prometheus backfill. Live scrapes continue those series without a seam. A daily peak needs a day of it.
   */
  async history(seconds: number, stepSeconds = 30): Promise<SampleSeries[]> {
    await this.caughtUp();
    const now = this.clock.now() / 1000;
    const twins = this.kubelets.backdate(now - seconds);
    return renderHistory({
      pods: twins,
      nodes: this.kubelets.nodeList(),
      ledger: new NodeLedger(this.kubelets.nodeList(), this.startSeconds, this.ledger.retiredCpu()),
      fromSeconds: now - seconds,
      toSeconds: now,
      stepSeconds,
    });
  }

  static async start(options: SimulatorOptions): Promise<Simulator> {
    const clock = options.clock ?? systemClock;
    const logger = options.logger ?? createLogger({ name: 'simulator', level: 'warn' });
    const rest = new KubeRest(options.kubeConfig);
    const api = new ClusterApi(rest);
    if (options.events !== false) api.events = new SimEvents(rest, clock, logger);
    const state = new ClusterState(rest, clock, logger);
    const nodes = planNodes(options.nodes);
    await registerNodes(api, nodes, clock.now(), options.nodes?.maxPods);
    const startSeconds = clock.now() / 1000;
    const ledger = new NodeLedger(nodes, startSeconds);
    const reported = new Set<string>();
    const kubelets = new Kubelets(
      nodes,
      state,
      api,
      clock,
      {
        podRemoved: (node, pod, now) => ledger.retire(node, pod, now),
        // Once per object and message: every sync of every pod of the workload would report it again.
        behaviourProblems: (object, kind, problems) => {
          const message = problems.join('; ');
          const key = `${object.metadata.uid}|${message}`;
          if (reported.has(key)) return;
          reported.add(key);
          const involved = { ...object, kind, apiVersion: kind === 'Pod' ? 'v1' : 'apps/v1' };
          api.event('sandbox-simulator', involved, 'Warning', 'InvalidSandboxAnnotation', message);
        },
      },
      logger,
    );
    const parts = [
      new ReplicaSetController(state, api, clock, logger),
      new DeploymentController(state, api, clock, logger),
      new StatefulSetController(state, api, clock, logger),
      new Scheduler(state, api, clock, logger),
      new DisruptionController(state, api, clock, logger),
      kubelets,
    ];
    state.start();
    const deadline = clock.now() + 30_000;
    while (!state.hasSynced()) {
      if (clock.now() > deadline) throw new Error('simulator caches did not sync within 30 s');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    for (const part of parts) part.start();
    let exporter: Exporter | undefined;
    if (options.exporterPort !== undefined) {
      exporter = await Exporter.start(
        state,
        kubelets,
        ledger,
        clock,
        options.exporterPort,
        options.exporterHost ?? '127.0.0.1',
      );
    }
    return new Simulator(state, kubelets, exporter, parts, clock, startSeconds, rest, api, ledger);
  }

  /** Waits until the caches hold every pod as the API has it now (e.g. an annotation written a moment ago). */
  async caughtUp(timeoutMs = 10_000): Promise<void> {
    const list = await this.rest.request<{ items: KubeObject[] }>({ method: 'GET', path: '/api/v1/pods' });
    const deadline = this.clock.now() + timeoutMs;
    const behind = () =>
      list.items.filter((fresh) => {
        const cached = this.state.get('pods', `${fresh.metadata.namespace}/${fresh.metadata.name}`);
        return Number(cached?.metadata.resourceVersion ?? 0) < Number(fresh.metadata.resourceVersion ?? 0);
      });
    while (behind().length > 0) {
      if (this.clock.now() > deadline)
        throw new Error(`simulator caches still behind the API after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async stop(): Promise<void> {
    await this.exporter?.stop();
    for (const part of this.parts) await part.stop();
    await this.state.stop();
  }
}

export function startSimulator(options: SimulatorOptions): Promise<Simulator> {
  return Simulator.start(options);
}
