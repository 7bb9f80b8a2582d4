import type { KubeObject } from '../kube/kube-object.js';
import type { SimulatedNode } from './kubelet.js';
import type { NodeLedger } from './node-ledger.js';
import { arr, containersOf, controllerOf, num, obj, spec, status, str } from './objects.js';
import type { PodSim } from './pod-sim.js';

/**
 * The series of the three exporters a cluster's Prometheus scrapes, with their real names and labels:
 * cAdvisor through the kubelet (`container_*`, job="kubelet", incl. the pod-level `container=""` series),
 * kube-state-metrics (`kube_*`, read from the API objects, so restarts equal `restartCount`), and node-exporter
 * (`node_*`, node name in `instance`, plus the exporter pod's own namespace/pod). Rendered live at scrape time by
 * the exporter and over a window by the history renderer, from the same PodSims.
 */
export interface MetricSink {
  sample(name: string, labels: Record<string, string>, value: number): void;
}

export const FAMILIES: Record<string, { type: 'counter' | 'gauge'; help: string }> = {
  container_cpu_usage_seconds_total: { type: 'counter', help: 'Cumulative cpu time consumed in seconds.' },
  container_memory_working_set_bytes: { type: 'gauge', help: 'Current working set in bytes.' },
  kube_pod_info: { type: 'gauge', help: 'Information about pod.' },
  kube_pod_owner: { type: 'gauge', help: "Information about the Pod's owner." },
  kube_pod_status_phase: { type: 'gauge', help: 'The pods current phase.' },
  kube_pod_status_ready: { type: 'gauge', help: 'Describes whether the pod is ready to serve requests.' },
  kube_pod_container_status_restarts_total: {
    type: 'counter',
    help: 'The number of container restarts per container.',
  },
  kube_pod_container_status_ready: {
    type: 'gauge',
    help: 'Describes whether the containers readiness check succeeded.',
  },
  kube_pod_container_status_running: {
    type: 'gauge',
    help: 'Describes whether the container is currently in running state.',
  },
  kube_pod_container_status_waiting_reason: {
    type: 'gauge',
    help: 'Describes the reason the container is currently in waiting state.',
  },
  kube_pod_container_status_last_terminated_reason: {
    type: 'gauge',
    help: 'Describes the last reason the container was in terminated state.',
  },
  kube_pod_container_status_last_terminated_exitcode: {
    type: 'gauge',
    help: 'Describes the exit code for the last container in terminated state.',
  },
  kube_pod_container_resource_limits: {
    type: 'gauge',
    help: 'The number of requested limit resource by a container.',
  },
  kube_pod_container_resource_requests: {
    type: 'gauge',
    help: 'The number of requested request resource by a container.',
  },
  kube_node_info: { type: 'gauge', help: 'Information about a cluster node.' },
  kube_node_status_allocatable: { type: 'gauge', help: 'The allocatable for different resources of a node.' },
  node_cpu_seconds_total: { type: 'counter', help: 'Seconds the CPUs spent in each mode.' },
  node_memory_MemTotal_bytes: { type: 'gauge', help: 'Memory information field MemTotal_bytes.' },
  node_memory_MemAvailable_bytes: { type: 'gauge', help: 'Memory information field MemAvailable_bytes.' },
};

const KSM = { job: 'kube-state-metrics', instance: 'kube-state-metrics:8080' };
const PHASES = ['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'];

/** cAdvisor series of one pod, from its simulation. */
/** The label sets of a pod's cAdvisor series never change: made once per pod, so sinks can cache their text. */
const cadvisorLabels = new WeakMap<
  PodSim,
  { containers: Map<string, Record<string, string>>; pod: Record<string, string> }
>();

function labelsOf(pod: PodSim) {
  const cached = cadvisorLabels.get(pod);
  if (cached) return cached;
  const base = {
    job: 'kubelet',
    metrics_path: '/metrics/cadvisor',
    instance: pod.id.node,
    node: pod.id.node,
    namespace: pod.id.namespace,
    pod: pod.id.name,
  };
  const cgroup = `/kubepods/${pod.id.qosClass.toLowerCase()}/pod${pod.id.uid}`;
  const made = {
    containers: new Map(
      pod.specs.map((c) => [
        c.name,
        { ...base, container: c.name, image: c.image, id: `${cgroup}/${c.name}` },
      ]),
    ),
    pod: { ...base, container: '', image: '', id: cgroup },
  };
  cadvisorLabels.set(pod, made);
  return made;
}

export function cadvisorSeries(sink: MetricSink, pod: PodSim, t: number): void {
  const labelSets = labelsOf(pod);
  let podCpu = 0;
  let podMemory = 0;
  let running = false;
  for (const c of pod.specs) {
    const sim = pod.containers.get(c.name);
    if (!sim) continue;
    podCpu += sim.lifetimeCpu(t);
    if (sim.state().kind !== 'running') continue;
    running = true;
    const labels = labelSets.containers.get(c.name) as Record<string, string>;
    const memory = sim.memory(t);
    podMemory += memory;
    sink.sample('container_cpu_usage_seconds_total', labels, round(sim.cpuTotal(t)));
    sink.sample('container_memory_working_set_bytes', labels, Math.round(memory));
  }
  if (!running && podCpu === 0) return;
  sink.sample('container_cpu_usage_seconds_total', labelSets.pod, round(podCpu));
  sink.sample('container_memory_working_set_bytes', labelSets.pod, Math.round(podMemory));
}

/** kube-state-metrics series of one pod, from the API object. */
export function kubeStateSeries(sink: MetricSink, pod: KubeObject): void {
  const ns = pod.metadata.namespace ?? '';
  const id = { ...KSM, namespace: ns, pod: pod.metadata.name, uid: pod.metadata.uid ?? '' };
  const s = status(pod);
  const node = str(spec(pod).nodeName) ?? '';
  const owner = controllerOf(pod);
  sink.sample(
    'kube_pod_info',
    {
      ...id,
      host_ip: str(s.hostIP) ?? '',
      pod_ip: str(s.podIP) ?? '',
      node,
      created_by_kind: owner?.kind ?? '<none>',
      created_by_name: owner?.name ?? '<none>',
      priority_class: '',
      host_network: 'false',
    },
    1,
  );
  sink.sample(
    'kube_pod_owner',
    {
      ...id,
      owner_kind: owner?.kind ?? '<none>',
      owner_name: owner?.name ?? '<none>',
      owner_is_controller: owner ? 'true' : '<none>',
    },
    1,
  );
  const phase = str(s.phase) ?? 'Pending';
  for (const p of PHASES) sink.sample('kube_pod_status_phase', { ...id, phase: p }, p === phase ? 1 : 0);
  const ready = arr(s.conditions)
    .map(obj)
    .find((c) => c.type === 'Ready')?.status;
  for (const [condition, value] of [
    ['true', 'True'],
    ['false', 'False'],
    ['unknown', 'Unknown'],
  ] as const) {
    sink.sample('kube_pod_status_ready', { ...id, condition }, ready === value ? 1 : 0);
  }
  const statuses = new Map(
    arr(s.containerStatuses)
      .map(obj)
      .map((c) => [String(c.name), c]),
  );
  for (const c of containersOf(pod)) {
    const cid = { ...id, container: c.name };
    const cs = statuses.get(c.name);
    if (cs) {
      const state = obj(cs.state);
      sink.sample('kube_pod_container_status_restarts_total', cid, num(cs.restartCount, 0));
      sink.sample('kube_pod_container_status_ready', cid, cs.ready === true ? 1 : 0);
      sink.sample('kube_pod_container_status_running', cid, state.running ? 1 : 0);
      const waiting = str(obj(state.waiting).reason);
      if (waiting) sink.sample('kube_pod_container_status_waiting_reason', { ...cid, reason: waiting }, 1);
      const last = obj(obj(cs.lastState).terminated);
      if (str(last.reason)) {
        sink.sample(
          'kube_pod_container_status_last_terminated_reason',
          { ...cid, reason: String(last.reason) },
          1,
        );
        sink.sample('kube_pod_container_status_last_terminated_exitcode', cid, num(last.exitCode, 0));
      }
    }
    const withNode = { ...cid, node };
    if (c.cpuLimit !== undefined)
      sink.sample(
        'kube_pod_container_resource_limits',
        { ...withNode, resource: 'cpu', unit: 'core' },
        c.cpuLimit,
      );
    if (c.memoryLimit !== undefined)
      sink.sample(
        'kube_pod_container_resource_limits',
        { ...withNode, resource: 'memory', unit: 'byte' },
        c.memoryLimit,
      );
    if (c.cpuRequest > 0)
      sink.sample(
        'kube_pod_container_resource_requests',
        { ...withNode, resource: 'cpu', unit: 'core' },
        c.cpuRequest,
      );
    if (c.memoryRequest > 0)
      sink.sample(
        'kube_pod_container_resource_requests',
        { ...withNode, resource: 'memory', unit: 'byte' },
        c.memoryRequest,
      );
  }
}

/** node-exporter and kube-state-metrics node series of one simulated node. */
export function nodeSeries(
  sink: MetricSink,
  node: SimulatedNode,
  pods: readonly PodSim[],
  ledger: NodeLedger,
  t: number,
): void {
  const exporter = {
    job: 'node-exporter',
    instance: node.name,
    namespace: 'monitoring',
    pod: `node-exporter-${node.name}`,
  };
  const { busy, idlePerCpu } = ledger.cpu(node, pods, t);
  const busyPerCpu = busy / node.cores;
  for (let cpu = 0; cpu < node.cores; cpu++) {
    sink.sample('node_cpu_seconds_total', { ...exporter, cpu: String(cpu), mode: 'idle' }, round(idlePerCpu));
    sink.sample(
      'node_cpu_seconds_total',
      { ...exporter, cpu: String(cpu), mode: 'user' },
      round(0.7 * busyPerCpu),
    );
    sink.sample(
      'node_cpu_seconds_total',
      { ...exporter, cpu: String(cpu), mode: 'system' },
      round(0.3 * busyPerCpu),
    );
  }
  sink.sample('node_memory_MemTotal_bytes', exporter, node.memoryBytes);
  sink.sample('node_memory_MemAvailable_bytes', exporter, Math.round(ledger.memoryAvailable(node, pods, t)));
  const ksmNode = { ...KSM, node: node.name };
  sink.sample(
    'kube_node_info',
    {
      ...ksmNode,
      internal_ip: node.ip,
      kubelet_version: 'v1.32.0',
      os_image: 'Debian GNU/Linux 12 (bookworm)',
    },
    1,
  );
  sink.sample('kube_node_status_allocatable', { ...ksmNode, resource: 'cpu', unit: 'core' }, node.cores);
  sink.sample(
    'kube_node_status_allocatable',
    { ...ksmNode, resource: 'memory', unit: 'byte' },
    node.memoryBytes,
  );
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
