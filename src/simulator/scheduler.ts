import type { Logger } from 'pino';
import type { KubeObject } from '../kube/kube-object.js';
import { isStatus } from '../kube/rest-client.js';
import type { Clock } from '../time/clock.js';
import { type ClusterApi, PODS } from './cluster-api.js';
import type { ClusterState } from './cluster-state.js';
import { type RunningController, runController } from './controller-runner.js';
import { containersOf, isNodeReady, keyOf, kubeTime, num, obj, spec, status, str } from './objects.js';
import { parseQuantity } from './quantity.js';

interface Need {
  cpu: number;
  memory: number;
  /** What scoring counts: kube-scheduler's non-zero defaults (100m, 200 MiB) for a container without requests. */
  scoreCpu: number;
  scoreMemory: number;
}

const DEFAULT_SCORE_CPU = 0.1;
const DEFAULT_SCORE_MEMORY = 200 * 1024 * 1024;

function requests(pod: KubeObject): Need {
  return containersOf(pod).reduce(
    (sum, c) => ({
      cpu: sum.cpu + c.cpuRequest,
      memory: sum.memory + c.memoryRequest,
      scoreCpu: sum.scoreCpu + (c.cpuRequest || DEFAULT_SCORE_CPU),
      scoreMemory: sum.scoreMemory + (c.memoryRequest || DEFAULT_SCORE_MEMORY),
    }),
    { cpu: 0, memory: 0, scoreCpu: 0, scoreMemory: 0 },
  );
}

const NO_USAGE = { cpu: 0, memory: 0, scoreCpu: 0, scoreMemory: 0, pods: 0 };

/**
 * kube-scheduler, reduced to what a small cluster needs: a pending pod goes to the Ready node with room for its
 * requests (cpu, memory, pod count) that is least allocated, through the pods/binding subresource. A pod that fits
 * nowhere gets PodScheduled=False with the scheduler's message, and is tried again later.
 */
export class Scheduler {
  private readonly loop: RunningController;
  /** What each pod takes from its node (bound pods, and pods we bound that the cache does not show yet). */
  private readonly taken = new Map<string, Need & { node: string }>();
  /** Per node: the sum of `taken`, kept incrementally so placing a pod costs O(nodes), not O(pods). */
  private readonly usage = new Map<string, Need & { pods: number }>();

  constructor(
    private readonly state: ClusterState,
    private readonly api: ClusterApi,
    private readonly clock: Clock,
    logger: Logger,
  ) {
    // Decisions are made synchronously and recorded before the binding is sent, so workers never double-book.
    this.loop = runController('scheduler', (key) => this.schedule(key), { clock, logger, workers: 4 });
    state.on('pods', (type, pod) => {
      const key = keyOf(pod);
      const node = str(spec(pod).nodeName);
      // A pod holds its node's resources until it is gone or has finished (a Terminating pod still runs).
      const phase = status(pod).phase;
      if (type === 'delete' || phase === 'Succeeded' || phase === 'Failed') {
        this.release(key);
        return;
      }
      if (node === undefined) {
        this.loop.enqueue(key);
        return;
      }
      this.take(key, node, requests(pod));
    });
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  private take(key: string, node: string, need: Need): void {
    const previous = this.taken.get(key);
    if (previous && previous.node === node && previous.cpu === need.cpu && previous.memory === need.memory)
      return;
    this.release(key);
    this.taken.set(key, { node, ...need });
    const u = this.usage.get(node) ?? NO_USAGE;
    this.usage.set(node, {
      cpu: u.cpu + need.cpu,
      memory: u.memory + need.memory,
      scoreCpu: u.scoreCpu + need.scoreCpu,
      scoreMemory: u.scoreMemory + need.scoreMemory,
      pods: u.pods + 1,
    });
  }

  private release(key: string): void {
    const previous = this.taken.get(key);
    if (!previous) return;
    this.taken.delete(key);
    const u = this.usage.get(previous.node);
    if (u)
      this.usage.set(previous.node, {
        cpu: u.cpu - previous.cpu,
        memory: u.memory - previous.memory,
        scoreCpu: u.scoreCpu - previous.scoreCpu,
        scoreMemory: u.scoreMemory - previous.scoreMemory,
        pods: u.pods - 1,
      });
  }

  private async schedule(key: string): Promise<{ requeueAfterMs?: number }> {
    const pod = this.state.get('pods', key);
    if (!pod || str(spec(pod).nodeName) || pod.metadata.deletionTimestamp || this.taken.has(key)) return {};
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
      const used = this.usage.get(node.metadata.name) ?? NO_USAGE;
      const misfits: string[] = [];
      if (used.cpu + need.cpu > cpu) misfits.push('Insufficient cpu');
      if (used.memory + need.memory > memory) misfits.push('Insufficient memory');
      if (used.pods + 1 > maxPods) misfits.push('Too many pods');
      for (const m of misfits) reasons.set(m, (reasons.get(m) ?? 0) + 1);
      if (misfits.length > 0) continue;
      // Scored with non-zero requests, as kube-scheduler does, so pods without requests still spread out.
      const score =
        (used.scoreCpu + need.scoreCpu) / Math.max(cpu, 1e-9) +
        (used.scoreMemory + need.scoreMemory) / Math.max(memory, 1);
      if (!best || score < best.score || (score === best.score && used.pods < best.pods))
        best = { name: node.metadata.name, score, pods: used.pods };
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
    this.take(key, best.name, need);
    try {
      await this.api.bind(pod.metadata.namespace ?? 'default', pod.metadata.name, best.name);
      this.api.event(
        'default-scheduler',
        pod,
        'Normal',
        'Scheduled',
        `Successfully assigned ${pod.metadata.namespace}/${pod.metadata.name} to ${best.name}`,
      );
    } catch (error) {
      this.release(key);
      if (!isStatus(error, 409) && !isStatus(error, 404)) throw error;
    }
    return {};
  }
}
