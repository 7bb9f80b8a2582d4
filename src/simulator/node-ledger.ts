import { defaultParams } from './behaviour-spec.js';
import type { SimulatedNode } from './kubelet.js';
import { ContainerLoad, seedOf } from './load-profile.js';
import type { PodSim } from './pod-sim.js';

/** Nodes "booted" a week before the simulator started, so a backfill of up to a week has counters to extend. */
export const BOOT_LEAD_SECONDS = 7 * 86_400;
const SYSTEM_MEMORY_FRACTION = 0.08;

/**
 * What a node's own counters are made of: the system's background load (a steady shape), the CPU seconds of the
 * pods running on it, and the CPU seconds of pods that ran there and are gone (so node counters never go back).
 */
export class NodeLedger {
  private readonly retired = new Map<string, number>();
  private readonly system = new Map<string, ContainerLoad>();
  private readonly last = new Map<string, { t: number; busy: number }>();
  readonly bootSeconds: number;

  constructor(
    readonly nodes: readonly SimulatedNode[],
    startSeconds: number,
    /** CPU seconds of pods already gone, per node (a history renderer starts from the live ledger's). */
    retired: ReadonlyMap<string, number> = new Map(),
  ) {
    this.bootSeconds = Math.floor(startSeconds) - BOOT_LEAD_SECONDS;
    for (const [node, cpu] of retired) this.retired.set(node, cpu);
    for (const node of nodes) {
      const params = { ...defaultParams('healthy'), cpuBaseline: 0.05 * node.cores };
      this.system.set(
        node.name,
        new ContainerLoad(
          seedOf(`node/${node.name}`),
          { cpuLimit: node.cores, memoryLimit: undefined },
          params,
          node.cores,
        ),
      );
    }
  }

  retiredCpu(): ReadonlyMap<string, number> {
    return new Map(this.retired);
  }

  retire(node: string, pod: PodSim, nowSeconds: number): void {
    let cpu = 0;
    for (const c of pod.containers.values()) cpu += c.lifetimeCpu(nowSeconds);
    this.retired.set(node, (this.retired.get(node) ?? 0) + cpu);
  }

  /** Busy CPU seconds since boot and the idle seconds per CPU, from the pods on the node now. */
  cpu(node: SimulatedNode, pods: readonly PodSim[], t: number): { busy: number; idlePerCpu: number } {
    const system = this.system.get(node.name);
    let busy =
      (this.retired.get(node.name) ?? 0) + (system ? system.cpuIntegral('steady', this.bootSeconds, t) : 0);
    for (const pod of pods) for (const c of pod.containers.values()) busy += c.lifetimeCpu(t);
    // Overcommitted pods cannot make a node busier than its cores: between two readings busy time grows at most
    // cores x elapsed, so idle never runs backwards (the counters stay counters).
    const previous = this.last.get(node.name);
    if (previous && t >= previous.t) {
      busy = Math.max(previous.busy, Math.min(busy, previous.busy + node.cores * (t - previous.t)));
    }
    this.last.set(node.name, { t, busy });
    const idle = Math.max(0, t - this.bootSeconds - busy / node.cores);
    return { busy, idlePerCpu: idle };
  }

  memoryAvailable(node: SimulatedNode, pods: readonly PodSim[], t: number): number {
    let used = node.memoryBytes * SYSTEM_MEMORY_FRACTION;
    for (const pod of pods) for (const c of pod.containers.values()) used += c.memory(t);
    return Math.max(node.memoryBytes * 0.02, node.memoryBytes - used);
  }
}
