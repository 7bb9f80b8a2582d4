import type { Logger } from 'pino';
import type { KubeObject } from '../kube/kube-object.js';
import { isStatus } from '../kube/rest-client.js';
import type { Clock } from '../time/clock.js';
import { type ClusterApi, PODS } from './cluster-api.js';
import type { ClusterState } from './cluster-state.js';
import { type RunningController, runController } from './controller-runner.js';
import {
  containersOf,
  isActivePod,
  isNodeReady,
  keyOf,
  kubeTime,
  num,
  obj,
  spec,
  status,
  str,
} from './objects.js';
import { parseQuantity } from './quantity.js';

function requests(pod: KubeObject): { cpu: number; memory: number } {
  return containersOf(pod).reduce(
    (sum, c) => ({ cpu: sum.cpu + c.cpuRequest, memory: sum.memory + c.memoryRequest }),
    { cpu: 0, memory: 0 },
  );
}

/**
 * kube-scheduler, reduced to what a small cluster needs: a pending pod goes to the Ready node with room for its
 * requests (cpu, memory, pod count) that is least allocated, through the pods/binding subresource. A pod that fits
 * nowhere gets PodScheduled=False with the scheduler's message, and is tried again later.
 */
export class Scheduler {
  private readonly loop: RunningController;
  /** Bound by us but not yet seen bound in the cache. */
  private readonly assumed = new Map<string, { node: string; cpu: number; memory: number }>();

  constructor(
    private readonly state: ClusterState,
    private readonly api: ClusterApi,
    private readonly clock: Clock,
    logger: Logger,
  ) {
    // One worker: placement decisions see each other.
    this.loop = runController('scheduler', (key) => this.schedule(key), { clock, logger, workers: 1 });
    state.on('pods', (type, pod) => {
      if (type !== 'delete' && str(spec(pod).nodeName) === undefined) this.loop.enqueue(keyOf(pod));
      else this.assumed.delete(keyOf(pod));
    });
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  private async schedule(key: string): Promise<{ requeueAfterMs?: number }> {
    const pod = this.state.get('pods', key);
    if (!pod || str(spec(pod).nodeName) || pod.metadata.deletionTimestamp || this.assumed.has(key)) return {};
    const schedulerName = str(spec(pod).schedulerName) ?? 'default-scheduler';
    if (schedulerName !== 'default-scheduler') return {};
    const need = requests(pod);
    const nodes = this.state.list('nodes').filter(isNodeReady);
    const reasons = new Map<string, number>();
    let best: { name: string; score: number; pods: number } | undefined;
    for (const node of nodes) {
      const allocatable = obj(status(node).allocatable);
      const cpu = parseQuantity(allocatable.cpu) ?? 0;
      const memory = parseQuantity(allocatable.memory) ?? 0;
      const maxPods = num(Number(allocatable.pods), 110);
      const onNode = this.state.podsOn(node.metadata.name).filter(isActivePod);
      const used = onNode
        .map(requests)
        .reduce((a, b) => ({ cpu: a.cpu + b.cpu, memory: a.memory + b.memory }), { cpu: 0, memory: 0 });
      let count = onNode.length;
      for (const a of this.assumed.values()) {
        if (a.node !== node.metadata.name) continue;
        used.cpu += a.cpu;
        used.memory += a.memory;
        count++;
      }
      const misfits: string[] = [];
      if (used.cpu + need.cpu > cpu) misfits.push('Insufficient cpu');
      if (used.memory + need.memory > memory) misfits.push('Insufficient memory');
      if (count + 1 > maxPods) misfits.push('Too many pods');
      for (const m of misfits) reasons.set(m, (reasons.get(m) ?? 0) + 1);
      if (misfits.length > 0) continue;
      const score =
        (used.cpu + need.cpu) / Math.max(cpu, 1e-9) + (used.memory + need.memory) / Math.max(memory, 1);
      if (!best || score < best.score || (score === best.score && count < best.pods))
        best = { name: node.metadata.name, score, pods: count };
    }
    if (!best) {
      const detail = [...reasons.entries()].map(([r, n]) => `${n} ${r}`).join(', ');
      const message = `0/${nodes.length} nodes are available${detail ? `: ${detail}` : ''}.`;
      const current = (status(pod).conditions as unknown[] | undefined)
        ?.map(obj)
        .find((c) => c.type === 'PodScheduled');
      if (current?.message !== message) {
        await this.api.patch(
          PODS,
          pod.metadata.namespace,
          pod.metadata.name,
          {
            status: {
              conditions: [
                {
                  type: 'PodScheduled',
                  status: 'False',
                  reason: 'Unschedulable',
                  message,
                  lastProbeTime: null,
                  lastTransitionTime: kubeTime(this.clock.now()),
                },
              ],
            },
          },
          'status',
        );
      }
      return { requeueAfterMs: 5_000 };
    }
    this.assumed.set(key, { node: best.name, ...need });
    try {
      await this.api.bind(pod.metadata.namespace ?? 'default', pod.metadata.name, best.name);
    } catch (error) {
      this.assumed.delete(key);
      if (!isStatus(error, 409) && !isStatus(error, 404)) throw error;
    }
    return {};
  }
}
