import { isStatus } from '../kube/rest-client.js';
import { type ClusterApi, NODES } from './cluster-api.js';
import type { SimulatedNode } from './kubelet.js';
import { kubeTime } from './objects.js';

export interface NodePlan {
  /** Node names, or a count of `worker-N` nodes. */
  names?: readonly string[];
  count?: number;
  cores?: number;
  memoryBytes?: number;
  maxPods?: number;
}

const GI = 1024 ** 3;
export const NODE_LABEL = 'sandbox.coordination-engine.io/simulated';

export function planNodes(plan: NodePlan = {}): SimulatedNode[] {
  const names = plan.names ?? Array.from({ length: plan.count ?? 3 }, (_, i) => `worker-${i + 1}`);
  return names.map((name, i) => ({
    name,
    cores: plan.cores ?? 4,
    memoryBytes: plan.memoryBytes ?? 16 * GI,
    ip: `10.0.${Math.floor((i + 1) / 250)}.${((i + 1) % 250) + 1}`,
    index: i + 1,
  }));
}

function nodeStatus(node: SimulatedNode, maxPods: number, nowMs: number) {
  const at = kubeTime(nowMs);
  const condition = (type: string, status: string, reason: string, message: string) => ({
    type,
    status,
    lastHeartbeatTime: at,
    lastTransitionTime: at,
    reason,
    message,
  });
  const capacity = {
    cpu: String(node.cores),
    memory: `${Math.round(node.memoryBytes / 1024)}Ki`,
    pods: String(maxPods),
  };
  return {
    capacity,
    allocatable: capacity,
    conditions: [
      condition(
        'MemoryPressure',
        'False',
        'KubeletHasSufficientMemory',
        'kubelet has sufficient memory available',
      ),
      condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
      condition('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
      condition('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
    ],
    addresses: [
      { type: 'InternalIP', address: node.ip },
      { type: 'Hostname', address: node.name },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
    nodeInfo: {
      machineID: `sandbox-${node.index}`,
      systemUUID: `sandbox-${node.index}`,
      bootID: `sandbox-${node.index}`,
      kernelVersion: '6.1.0-sandbox',
      osImage: 'Debian GNU/Linux 12 (bookworm)',
      containerRuntimeVersion: 'containerd://1.7.24',
      kubeletVersion: 'v1.32.0',
      kubeProxyVersion: 'v1.32.0',
      operatingSystem: 'linux',
      architecture: 'amd64',
    },
  };
}

/** Registers the simulated nodes the way kubelets do: create the Node, then report it Ready. */
export async function registerNodes(api: ClusterApi, nodes: SimulatedNode[], nowMs: number, maxPods = 110) {
  for (const node of nodes) {
    try {
      await api.create(NODES, undefined, {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: {
          name: node.name,
          labels: {
            'kubernetes.io/hostname': node.name,
            'kubernetes.io/os': 'linux',
            'kubernetes.io/arch': 'amd64',
            [NODE_LABEL]: 'true',
          },
        },
        spec: {},
      });
    } catch (error) {
      if (!isStatus(error, 409)) throw error;
    }
    await api.patch(NODES, undefined, node.name, { status: nodeStatus(node, maxPods, nowMs) }, 'status');
  }
}
